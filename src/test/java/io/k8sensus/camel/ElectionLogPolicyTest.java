package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The election log, driven by a cluster service whose leadership the test switches by hand: no timing involved.
 */
class ElectionLogPolicyTest {

    private final SwitchableClusterService service = new SwitchableClusterService();
    private final LeaderTerms terms = new LeaderTerms();
    private final LogCapture log = LogCapture.of(ElectionLogPolicy.LOGGER_NAME);
    private CamelContext context;
    private boolean deadlocked;

    @BeforeEach
    void startContext() throws Exception {
        context = new DefaultCamelContext();
        context.addService(service);
        context.getRegistry().bind("electionLog", new ElectionLogPolicy(service, terms));
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("master:jobs:timer:one?period=60000")
                        .routeId("one")
                        .routePolicyRef("electionLog")
                        .to("log:one");
                from("master:jobs:timer:two?period=60000")
                        .routeId("two")
                        .routePolicyRef("electionLog")
                        .to("log:two");
            }
        });
        context.start();
    }

    @AfterEach
    void stopContext() {
        if (!deadlocked) { // a deadlocked context never stops: the test has failed already, leave it
            context.stop();
        }
        log.close();
    }

    @Test
    void logs_acquired_lost_and_leader_changed_with_epoch_once_per_group() {
        SwitchableView view = service.view("jobs");

        terms.update(new LeaderTerm("jobs", "me", 7, true));
        view.setLeader("me");
        terms.update(new LeaderTerm("jobs", "other", 8, false));
        view.setLeader("other");
        terms.update(new LeaderTerm("jobs", "third", 9, false));
        view.setLeader("third");
        view.setLeader(null);
        view.addMember("fourth");
        view.removeMember("fourth");

        assertThat(log.messages())
                .containsExactly(
                        "event=acquired group=jobs pod=me leader=me epoch=7",
                        "event=lost group=jobs pod=me leader=other epoch=7",
                        "event=leader-changed group=jobs pod=me leader=third epoch=9",
                        "event=leader-changed group=jobs pod=me leader=none epoch=-1",
                        "event=member-joined group=jobs pod=me member=fourth",
                        "event=member-left group=jobs pod=me member=fourth");
    }

    @Test
    void an_epoch_that_belongs_to_another_leader_is_logged_as_unknown() {
        terms.update(new LeaderTerm("jobs", "someone-else", 4, false));
        service.view("jobs").setLeader("me");

        assertThat(log.messages()).containsExactly("event=acquired group=jobs pod=me leader=me epoch=-1");
    }

    @Test
    void the_policy_lets_go_of_a_view_while_an_event_is_delivered_without_a_deadlock() throws Exception {
        SwitchableView view = service.view("jobs");
        ElectionLogPolicy policy = context.getRegistry().lookupByNameAndType("electionLog", ElectionLogPolicy.class);
        CountDownLatch mayProceed = new CountDownLatch(1);
        view.removalsMayProceed = mayProceed;

        // the policy lets go of the view (a reload removed its routes, or it stops); its removal waits to be let on
        Thread letGo = new Thread(policy::stop, "policy-stops");
        letGo.setDaemon(true); // a deadlock must not keep the test JVM alive
        letGo.start();
        assertThat(view.removalEntered.await(10, TimeUnit.SECONDS)).isTrue();
        // meanwhile an election event is delivered: the view holds its listener lock and calls the policy's listener
        Thread event = new Thread(() -> view.setLeader("me"), "election-event");
        event.setDaemon(true);
        event.start();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !event.isAlive() || event.getState() == Thread.State.BLOCKED);
        mayProceed.countDown(); // the removal now asks for the listener lock the event holds

        event.join(5_000);
        letGo.join(5_000);
        deadlocked = event.isAlive() || letGo.isAlive();
        assertThat(event.isAlive()).as("the event was delivered").isFalse();
        assertThat(letGo.isAlive()).as("the policy let go of the view").isFalse();
    }

    @Test
    void refuses_a_route_that_is_not_leader_only() {
        assertThatThrownBy(() -> context.addRoutes(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("timer:plain")
                                .routeId("plain")
                                .routePolicyRef("electionLog")
                                .to("log:plain");
                    }
                }))
                .isInstanceOf(FailedToCreateRouteException.class)
                .rootCause()
                .hasMessageContaining("Route 'plain' uses routePolicy electionLog but starts from timer://plain");
    }

    /** A cluster service whose views change leader and members when the test says so. */
    static final class SwitchableClusterService extends AbstractCamelClusterService<SwitchableView> {

        @Override
        protected SwitchableView createView(String namespace) {
            return new SwitchableView(this, namespace);
        }

        SwitchableView view(String namespace) {
            try {
                SwitchableView view = (SwitchableView) getView(namespace);
                releaseView(view);
                return view;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static final class SwitchableView extends AbstractCamelClusterView {

        private final ClusterMember local = new ClusterMember("me", true, () -> leads("me"));
        private volatile ClusterMember leader;
        /** While set, a removal of a listener waits here before it takes the view's listener lock. */
        private volatile CountDownLatch removalsMayProceed;

        private final CountDownLatch removalEntered = new CountDownLatch(1);

        @Override
        public void removeEventListener(CamelClusterEventListener listener) {
            CountDownLatch gate = removalsMayProceed;
            if (gate != null) {
                removalEntered.countDown();
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.removeEventListener(listener);
        }

        SwitchableView(SwitchableClusterService service, String namespace) {
            super(service, namespace);
        }

        void setLeader(String id) {
            leader = id == null ? null : id.equals(local.getId()) ? local : member(id);
            fireLeadershipChangedEvent(leader);
        }

        void addMember(String id) {
            fireMemberAddedEvent(member(id));
        }

        void removeMember(String id) {
            fireMemberRemovedEvent(member(id));
        }

        private ClusterMember member(String id) {
            return new ClusterMember(id, false, () -> leads(id));
        }

        private boolean leads(String id) {
            ClusterMember current = leader;
            return current != null && current.getId().equals(id);
        }

        @Override
        public Optional<CamelClusterMember> getLeader() {
            return Optional.ofNullable(leader);
        }

        @Override
        public CamelClusterMember getLocalMember() {
            return local;
        }

        @Override
        public List<CamelClusterMember> getMembers() {
            return List.of();
        }

        @Override
        protected void doStart() {}

        @Override
        protected void doStop() {}
    }
}
