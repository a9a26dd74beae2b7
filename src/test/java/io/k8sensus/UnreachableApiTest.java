package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An unreachable API server is not fatal: the replica follows, says so once with the URL, and keeps trying. */
class UnreachableApiTest {

    @Test
    void replica_waits_as_a_follower_with_one_warning_and_leads_once_the_api_answers() throws Exception {
        int port = EmbeddedKubernetesApi.freePort();
        String url = "http://" + "127.0.0.1:" + port;
        FiringHistory history = new FiringHistory();

        try (LogCapture apiLog = LogCapture.of("k8sensus.api");
                Replica replica = Replica.start("replica-a", url + "/", history, Map.of())) {

            // six retry periods (3 s of 0.5 s) pass: still one warning, and the leader-only route never fires
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !apiLog.messages().isEmpty());
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> apiLog.messages().size() == 1
                            && history.of("leader-heartbeat").isEmpty());
            assertThat(apiLog.messages().get(0))
                    .startsWith("event=api-unreachable pod=replica-a url=" + url + " cause=\"")
                    .contains("Connection refused");
            assertThat(history.of("replica-heartbeat"))
                    .as("every-replica route keeps running")
                    .isNotEmpty();

            try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi(port)) {
                api.addReadyPod("replica-a");
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !history.of("leader-heartbeat").isEmpty());
                assertThat(apiLog.messages()).contains("event=api-reachable pod=replica-a url=" + url);
                assertThat(api.holder("k8sensus-heartbeat")).isEqualTo("replica-a");
            }
        }
    }
}
