package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.FaultSwitch;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Role without list and watch on the Leases and without watch on the Pods (the Role of earlier versions) does not
 * stop the election: the replica reads the Lease and lists the Pods at every step instead, and says once per watch
 * what is wrong and where to fix it.
 */
class WatchRefusedTest {

    @Test
    void a_replica_whose_watches_are_refused_still_leads_and_says_why_once() throws Exception {
        FiringHistory history = new FiringHistory();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                LogCapture watchLog = LogCapture.of("k8sensus.watch")) {
            EmbeddedKubernetesApi.FaultyConnection connection = api.faultyConnection();
            connection.faults().set(FaultSwitch.Mode.FORBID_WATCHES);
            api.addReadyPod("replica-a");
            try (Replica replica = Replica.start("replica-a", connection.url(), history, Map.of())) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> watchLog.messages().size() >= 2
                                && !history.of("leader-heartbeat").isEmpty());
                assertThat(api.holder("k8sensus-heartbeat")).isEqualTo("replica-a");
                assertThat(watchLog.messages())
                        .allSatisfy(m -> assertThat(m)
                                .startsWith("event=watch-refused pod=replica-a watch=")
                                .contains("HTTP 403", "k8s/rbac.yaml"));
                assertThat(watchLog.messages())
                        .anyMatch(m -> m.contains("watch=\"candidate Pods\""))
                        .anyMatch(m -> m.contains("watch=\"Lease k8sensus-heartbeat\""));
                // the informers keep retrying: still one line per watch over 3 s, six retry periods (0.5 s) of retries
                await().during(Duration.ofSeconds(3))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> watchLog.messages().size() == 2);
            }
        }
    }
}
