package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The probes as the kubelet calls them (HTTP on the management port): liveness goes DOWN when the leader's elector is
 * stuck, and comes back when it runs again; readiness does not follow leadership or the elector, and a follower stays
 * live and ready throughout.
 */
class ElectionLivenessTest {

    private static final String LEASE = "k8sensus-heartbeat";

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final CountDownLatch unblock = new CountDownLatch(1);
    private final FiringHistory history = new FiringHistory();
    private Replica a;
    private Replica b;

    @AfterEach
    void stop() {
        unblock.countDown();
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        api.close();
    }

    private Replica start(String name, int port) throws Exception {
        api.addReadyPod(name);
        return Replica.start(
                name,
                api.url(),
                history,
                Map.of("camel.management.enabled", "true", "camel.management.port", String.valueOf(port)));
    }

    private int probe(int port, String kind) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health/" + kind))
                .timeout(Duration.ofSeconds(5))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void a_leader_whose_elector_is_stuck_fails_liveness_and_recovers_while_a_follower_stays_live_and_ready()
            throws Exception {
        int portA = EmbeddedKubernetesApi.freePort();
        a = start("replica-a", portA);
        await().atMost(Duration.ofSeconds(20)).until(() -> "replica-a".equals(api.holder(LEASE)));
        int portB = EmbeddedKubernetesApi.freePort();
        b = start("replica-b", portB);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> probe(portA, "live") == 200
                        && probe(portB, "live") == 200
                        && probe(portA, "ready") == 200
                        && probe(portB, "ready") == 200);

        LeaseElectionView view = a.context()
                .getRegistry()
                .lookupByNameAndType("leaseClusterService", LeaseClusterService.class)
                .electionView("heartbeat");
        try (LogCapture election = LogCapture.of("k8sensus.election")) {
            // a thread that holds the view's lock and never lets go: the loop, the deadline timer and the watch's
            // deliveries all wait for it
            Thread holder = new Thread(
                    () -> {
                        synchronized (view) {
                            try {
                                unblock.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    },
                    "holds-the-view");
            holder.setDaemon(true);
            holder.start();

            await().atMost(Duration.ofSeconds(20)).until(() -> probe(portA, "live") == 503);
            assertThat(probe(portA, "ready"))
                    .as("readiness does not follow the elector")
                    .isEqualTo(200);
            assertThat(election.messages())
                    .filteredOn(m -> m.startsWith("event=election-stuck group=heartbeat"))
                    .singleElement()
                    .satisfies(m -> assertThat(m).contains("pod=replica-a"));

            // the follower takes over once the stuck leader's Lease expires, and stays live and ready
            await().atMost(Duration.ofSeconds(20)).until(() -> "replica-b".equals(api.holder(LEASE)));
            await().atMost(Duration.ofSeconds(20)).until(() -> history.count("leader-heartbeat", "replica-b") > 0);
            long newLeaderFirst = history.of("leader-heartbeat").stream()
                    .filter(f -> f.replica().equals("replica-b"))
                    .mapToLong(FiringHistory.Firing::nanos)
                    .min()
                    .orElseThrow();
            // nothing that ends the stuck leader's term can run (the timer and the loop wait for the lock), yet its
            // leader-only route stopped at its renew deadline: every exchange passes the term's gate
            assertThat(history.of("leader-heartbeat"))
                    .filteredOn(f -> f.replica().equals("replica-a"))
                    .as("the stuck leader's exchanges, all before the new leader's first")
                    .isNotEmpty()
                    .allMatch(f -> f.nanos() < newLeaderFirst);
            assertThat(probe(portB, "live")).isEqualTo(200);
            assertThat(probe(portB, "ready")).isEqualTo(200);

            unblock.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> probe(portA, "live") == 200);
            assertThat(election.messages())
                    .anyMatch(m -> m.equals("event=election-unstuck group=heartbeat" + " pod=replica-a"));
        }
    }
}
