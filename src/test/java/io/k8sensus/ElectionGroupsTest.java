package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two groups are two independent elections, each with its own Lease named from the prefix. */
class ElectionGroupsTest {

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final FiringHistory history = new FiringHistory();
    private final List<Replica> replicas = new ArrayList<>();

    @TempDir
    Path routes;

    @AfterEach
    void stop() {
        replicas.forEach(Replica::close);
        api.close();
    }

    @Test
    void groups_a_and_b_get_separate_leases_and_each_route_runs_on_its_group_leader() throws Exception {
        for (String group : List.of("a", "b")) {
            Files.writeString(routes.resolve("job-" + group + ".camel.yaml"), """
                    - route:
                        id: "job-%1$s"
                        from:
                          uri: "master:%1$s:timer:job-%1$s"
                          parameters:
                            period: "200"
                          steps:
                            - log: "job %1$s epoch=${header.K8sensusEpoch}"
                    """.formatted(group));
        }
        Map<String, String> overrides = Map.of(
                "k8sensus.routes.dir", routes.toString(),
                "k8sensus.election.groups", "heartbeat,a,b",
                "k8sensus.election.lease-prefix", "jobs");
        for (String name : List.of("replica-a", "replica-b")) {
            api.addReadyPod(name);
            replicas.add(Replica.start(name, api, history, overrides));
        }

        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        history.of("job-a").size() >= 3 && history.of("job-b").size() >= 3);

        assertThat(api.lease("jobs-a")).as("Lease jobs-a").isNotNull();
        assertThat(api.lease("jobs-b")).as("Lease jobs-b").isNotNull();
        assertThat(api.lease("jobs-heartbeat")).as("Lease jobs-heartbeat").isNotNull();
        assertThat(api.client()
                        .leases()
                        .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                        .list()
                        .getItems())
                .extracting(l -> l.getMetadata().getName())
                .containsExactlyInAnyOrder("jobs-a", "jobs-b", "jobs-heartbeat");
        for (String group : List.of("a", "b")) {
            assertThat(history.runs("job-" + group))
                    .as("firings of group " + group)
                    .hasSize(1);
            assertThat(history.runs("job-" + group).get(0).replica()).isEqualTo(api.holder("jobs-" + group));
        }
    }
}
