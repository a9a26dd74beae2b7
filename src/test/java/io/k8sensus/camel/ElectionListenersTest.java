package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Listeners of a group's election (a route policy, a user's own) cannot wedge it: one that throws is logged and the
 * others still hear of the change, and one that blocks holds up neither the renewals nor the term's end.
 */
class ElectionListenersTest {

    private static final String LEASE = "k8sensus-heartbeat";

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final FiringHistory history = new FiringHistory();
    private final CountDownLatch unblock = new CountDownLatch(1);
    private Replica a;

    @AfterEach
    void stop() {
        unblock.countDown();
        if (a != null) {
            a.close();
        }
        api.close();
    }

    private CamelClusterView startLeader() throws Exception {
        api.addReadyPod("replica-a");
        a = Replica.start("replica-a", api.url(), history, Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> "replica-a".equals(api.holder(LEASE)));
        return a.context()
                .getRegistry()
                .lookupByNameAndType("leaseClusterService", LeaseClusterService.class)
                .electionView("heartbeat");
    }

    /**
     * A foreign write of the holder, as {@code kubectl edit lease} makes it: this replica's term ends. The edit is a
     * read then a write of that version; a renewal landing in between makes it fail with 409, and it is made again,
     * as a person would run the edit again.
     */
    private void intruderTakesTheLease() {
        await().atMost(Duration.ofSeconds(10))
                .ignoreException(KubernetesClientException.class)
                .until(() -> {
                    api.client()
                            .leases()
                            .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                            .withName(LEASE)
                            .edit(l -> {
                                l.getSpec().setHolderIdentity("intruder");
                                return l;
                            });
                    return true;
                });
    }

    @Test
    void a_listener_that_throws_is_logged_and_the_listeners_after_it_still_hear_of_the_change() throws Exception {
        CamelClusterView view = startLeader();
        List<String> heard = new CopyOnWriteArrayList<>();
        view.addEventListener((CamelClusterEventListener.Leadership) (v, leader) -> {
            throw new IllegalStateException("a listener's bug");
        });
        view.addEventListener((CamelClusterEventListener.Leadership)
                (v, leader) -> heard.add(leader == null ? "none" : leader.getId()));

        try (LogCapture election = LogCapture.of("k8sensus.election")) {
            intruderTakesTheLease();
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains("intruder"));
            assertThat(election.messages())
                    .anyMatch(m -> m.startsWith("event=listener-failed group=heartbeat" + " pod=replica-a")
                            && m.contains("a listener's bug"));
        }
        // the intruder never renews: its term expires and this replica takes the Lease back
        await().atMost(Duration.ofSeconds(20))
                .until(() -> "replica-a".equals(api.holder(LEASE))
                        && heard.get(heard.size() - 1).equals("replica-a"));
    }

    @Test
    void a_listener_that_blocks_holds_up_neither_the_renewals_nor_the_end_of_the_term() throws Exception {
        CamelClusterView view = startLeader();
        CountDownLatch blocking = new CountDownLatch(1);
        view.addEventListener(new CamelClusterEventListener.Membership() {
            @Override
            public void memberAdded(CamelClusterView v, CamelClusterMember member) {
                if (member.getId().equals("replica-z")) {
                    blocking.countDown();
                    try {
                        unblock.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void memberRemoved(CamelClusterView v, CamelClusterMember member) {}
        });

        api.addReadyPod("replica-z"); // a member joins: the listener blocks on that event, for good
        assertThat(blocking.await(10, TimeUnit.SECONDS))
                .as("the listener is blocked")
                .isTrue();
        String renewed = api.lease(LEASE).getSpec().getRenewTime().toString();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !renewed.equals(
                        api.lease(LEASE).getSpec().getRenewTime().toString()));
        assertThat(api.holder(LEASE)).as("renewals go on").isEqualTo("replica-a");

        intruderTakesTheLease();
        // the term ends, the leader-only route's delegate is told on the blocked notifier too late: its gate is what
        // stops the work, at once
        long ended = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> {
                            LeaderTerm term = a.context()
                                    .getRegistry()
                                    .lookupByNameAndType("leaseClusterService", LeaseClusterService.class)
                                    .terms()
                                    .current("heartbeat");
                            return term.leader() != null && term.leader().equals("intruder") ? System.nanoTime() : null;
                        },
                        Objects::nonNull);
        // a window of three retry periods (1.2 s), in which the heartbeat (every 200 ms) of a route left running
        // would complete about six exchanges
        await().atMost(Duration.ofSeconds(10))
                .until(() -> System.nanoTime() - ended
                        > Duration.ofMillis(3 * Replica.RETRY_PERIOD_MS).toNanos());
        assertThat(history.of("leader-heartbeat"))
                .as("no leader-only exchange completed after the term ended")
                .allMatch(f -> f.nanos() < ended);
    }
}
