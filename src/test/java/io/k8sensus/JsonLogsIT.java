package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.log.KeyValueLog;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code K8SENSUS_LOG_FORMAT=json} on a real replica process: every line it prints is one JSON object, and the
 * election's lines carry their keys (event, group, pod, leader, epoch...) as fields with the values of the
 * key=value message.
 */
class JsonLogsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void every_line_is_a_json_object_and_the_election_lines_have_their_keys_as_fields() throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            api.addReadyPod("replica-a");
            ReplicaProcess replica = ReplicaProcess.start(
                    "replica-a",
                    Path.of("target", "k8sensus.jar"),
                    List.of(),
                    3000,
                    2000,
                    500,
                    api.url(),
                    EmbeddedKubernetesApi.NAMESPACE,
                    List.of("-Dk8sensus.kubernetes.call-timeout-ms=1600"),
                    Map.of("K8SENSUS_LOG_FORMAT", "json"),
                    (r, line) -> lines.add(line));
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> lines.stream().anyMatch(l -> l.contains("event=acquired")));
            } finally {
                replica.stop(10); // SIGTERM: the release is logged too
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !replica.process().isAlive());
        }
        List<JsonNode> objects = new ArrayList<>();
        for (String line : List.copyOf(lines)) {
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as(line).isTrue();
            assertThat(node.path("time").asText()).as(line).isNotEmpty();
            assertThat(node.path("level").asText()).as(line).isNotEmpty();
            objects.add(node);
        }
        JsonNode acquired = objects.stream()
                .filter(o -> o.path("event").asText().equals("acquired"))
                .findFirst()
                .orElseThrow();
        assertThat(acquired.path("group").asText()).isEqualTo("heartbeat");
        assertThat(acquired.path("pod").asText()).isEqualTo("replica-a");
        assertThat(acquired.path("leader").asText()).isEqualTo("replica-a");
        assertThat(acquired.path("epoch").asText()).isEqualTo("0");
        JsonNode released = objects.stream()
                .filter(o -> o.path("event").asText().equals("released"))
                .findFirst()
                .orElseThrow();
        assertThat(released.path("lease").asText()).isEqualTo("k8sensus-heartbeat");
        // every field of an election line is what its key=value message says
        for (JsonNode o : objects) {
            if (o.has("event")) {
                KeyValueLog.pairs(o.path("message").asText())
                        .forEach((key, value) -> assertThat(o.path(key).asText())
                                .as(key + " in " + o)
                                .isEqualTo(value));
            }
        }
    }
}
