package io.k8sensus.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The fence lets the current term through and rejects an older one, as a receiving route over HTTP. */
class EpochFenceTest {

    @Test
    void receiver_route_accepts_the_current_term_and_rejects_an_older_one() throws Exception {
        int port = EmbeddedKubernetesApi.freePort();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                Replica receiver = Replica.start(
                        "receiver",
                        api,
                        new FiringHistory(),
                        Map.of(
                                "k8sensus.routes.dir", "examples/fencing/receiver",
                                "camel.server.enabled", "true",
                                "camel.server.port", String.valueOf(port)))) {
            HttpClient http = HttpClient.newHttpClient();

            assertThat(send(http, port, "replica-a", 3)).isEqualTo("200 accepted");
            assertThat(send(http, port, "replica-b", 4)).isEqualTo("200 accepted");
            assertThat(send(http, port, "replica-b", 4)).as("same term again").isEqualTo("200 accepted");
            assertThat(send(http, port, "replica-a", 3))
                    .as("the old leader, awake again")
                    .isEqualTo("409 event=fence-rejected group=orders leader=replica-a epoch=3"
                            + " reason=\"a newer term (epoch 4) has acted\"");
            assertThat(receiver.context()
                            .getRegistry()
                            .lookupByNameAndType("epochFence", EpochFence.class)
                            .highest("orders"))
                    .isEqualTo(4);
        }
    }

    @Test
    void leader_only_sender_is_accepted_and_after_a_handover_only_the_new_term_counts() throws Exception {
        int port = EmbeddedKubernetesApi.freePort();
        FiringHistory history = new FiringHistory();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                Replica receiver = Replica.start(
                        "receiver",
                        api,
                        new FiringHistory(),
                        Map.of(
                                "k8sensus.routes.dir", "examples/fencing/receiver",
                                "camel.server.enabled", "true",
                                "camel.server.port", String.valueOf(port)))) {
            EpochFence fence = receiver.context().getRegistry().lookupByNameAndType("epochFence", EpochFence.class);
            Map<String, String> sender = Map.of(
                    "k8sensus.routes.dir", "examples/fencing/sender",
                    "fencing.sender.period-ms", "200",
                    "fencing.receiver-url", "http://127.0.0.1:" + port + "/fenced/actions");
            api.addReadyPod("sender-a");
            api.addReadyPod("sender-b");
            try (Replica a = Replica.start("sender-a", api, history, sender);
                    Replica b = Replica.start("sender-b", api, history, sender)) {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> history.of("fenced-sender").size() >= 3);
                String first = history.of("fenced-sender").get(0).replica();
                long firstEpoch = fence.highest("heartbeat");
                assertThat(firstEpoch).isGreaterThanOrEqualTo(0);

                (first.equals("sender-a") ? a : b).stop();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fence.highest("heartbeat") > firstEpoch);
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> history.runs("fenced-sender").size() >= 2
                                && history.runs("fenced-sender").get(1).count() >= 3);
                assertThat(history.failures()).as("no send was refused").isEmpty();
                assertThat(send(HttpClient.newHttpClient(), port, "heartbeat", first, firstEpoch))
                        .as("the old leader, if it woke up")
                        .startsWith("409 event=fence-rejected group=heartbeat");
            }
        }
    }

    @Test
    void an_exchange_without_a_term_is_rejected() {
        EpochFence fence = new EpochFence();
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader("K8sensusGroup", "orders");
        exchange.getMessage().setHeader("K8sensusEpoch", -1L);
        Assertions.assertThatThrownBy(() -> fence.process(exchange))
                .isInstanceOf(StaleLeaderException.class)
                .hasMessageContaining("no valid K8sensusGroup/K8sensusEpoch");
    }

    private static String send(HttpClient http, int port, String leader, long epoch) throws Exception {
        return send(http, port, "orders", leader, epoch);
    }

    private static String send(HttpClient http, int port, String group, String leader, long epoch) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fenced/actions"))
                        .header("K8sensusGroup", group)
                        .header("K8sensusLeader", leader)
                        .header("K8sensusEpoch", String.valueOf(epoch))
                        .POST(HttpRequest.BodyPublishers.ofString("action"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body().strip();
    }
}
