package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.k8sensus.camel.SlowStartComponent.SlowConsumer;
import io.k8sensus.fencing.LeaderHeaders;
import io.k8sensus.testing.LogCapture;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code master:} consumer, driven by a cluster service whose elections the test decides ({@link SwitchableElection})
 * over a delegate whose start the test holds ({@link SlowStartComponent}).
 */
class LeaderOnlyConsumerTest {

    private static final String GROUP = "jobs";

    private final SwitchableElection election = new SwitchableElection();
    private final SlowStartComponent slow = new SlowStartComponent();
    private CamelContext context;
    /** Exchanges that reached the route's first step. */
    private final AtomicInteger steps = new AtomicInteger();

    private SwitchableElection.View view;

    @BeforeEach
    void startRoute() throws Exception {
        context = new DefaultCamelContext();
        context.addComponent("master", new LeaderOnlyComponent(election, election.terms(), Set.of(GROUP)));
        context.addComponent("slow", slow);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("master:" + GROUP + ":slow:work")
                        .routeId("work")
                        .process(e -> steps.incrementAndGet())
                        .log("work done");
            }
        });
        context.start();
        view = election.view(GROUP);
    }

    @AfterEach
    void stopRoute() {
        slow.letStartsComplete();
        slow.letStopsComplete();
        context.stop();
    }

    private SlowConsumer runningDelegate() {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> slow.running().size() == 1 && slow.running().get(0).isStarted());
        return slow.running().get(0);
    }

    /** The delegate whose start has begun and waits. */
    private SlowConsumer delegateStarting() {
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        slow.consumers().size() == 1 && slow.consumers().get(0).startEntered());
        return slow.consumers().get(0);
    }

    /** Runs {@code call} on a thread of its own, as the elector would, and asserts that it returns within 2 s. */
    private static void returnsPromptly(String what, Runnable call) {
        CompletableFuture<Void> done = CompletableFuture.runAsync(call, r -> new Thread(r, "elector").start());
        assertThatCode(() -> done.get(2, TimeUnit.SECONDS))
                .as(what + " returns while a delegate start hangs")
                .doesNotThrowAnyException();
    }

    @Test
    void a_loss_of_leadership_while_the_delegate_starts_returns_at_once_and_the_delegate_ends_up_stopped() {
        returnsPromptly("the acquisition", () -> view.elect(SwitchableElection.LOCAL, 1));
        SlowConsumer starting = delegateStarting();

        returnsPromptly("the loss", () -> view.elect("other", 2));
        slow.letStartsComplete();

        await().atMost(Duration.ofSeconds(10)).until(starting::isStopped);
        assertThat(slow.running()).as("delegates running after the loss").isEmpty();
    }

    @Test
    void a_start_made_void_while_it_hangs_gives_way_to_a_delegate_of_the_next_term() throws Exception {
        view.elect(SwitchableElection.LOCAL, 1);
        SlowConsumer voided = delegateStarting();

        returnsPromptly("the loss", () -> view.elect("other", 2));
        returnsPromptly("the next acquisition", () -> view.elect(SwitchableElection.LOCAL, 3));
        slow.letStartsComplete();

        SlowConsumer delegate = runningDelegate();
        assertThat(delegate).as("a delegate started in the next term").isNotSameAs(voided);
        assertThat(voided.isStopped()).as("the void start was stopped").isTrue();
        assertThat(delegate.fire().getMessage().getHeader(LeaderHeaders.EPOCH)).isEqualTo(3L);
    }

    @Test
    void a_loss_of_leadership_stops_the_running_delegate() {
        slow.letStartsComplete();
        view.elect(SwitchableElection.LOCAL, 1);
        SlowConsumer delegate = runningDelegate();

        view.elect("other", 2);

        await().atMost(Duration.ofSeconds(10)).until(delegate::isStopped);
        assertThat(slow.running()).isEmpty();
    }

    @Test
    void leaving_the_candidates_stops_the_running_delegate() {
        slow.letStartsComplete();
        view.elect(SwitchableElection.LOCAL, 1);
        SlowConsumer delegate = runningDelegate();

        view.localLeavesTheCandidates();

        await().atMost(Duration.ofSeconds(10)).until(delegate::isStopped);
        assertThat(slow.running()).isEmpty();
    }

    @Test
    void a_delegate_that_starts_runs_or_stops_counts_as_work_the_release_waits_for() throws Exception {
        LeaderOnlyConsumer consumer =
                (LeaderOnlyConsumer) context.getRoute("work").getConsumer();
        assertThat(consumer.pendingWork()).as("no term, no delegate").isZero();

        view.elect(SwitchableElection.LOCAL, 1);
        delegateStarting();
        assertThat(consumer.pendingWork()).as("a start under way").isEqualTo(1);
        slow.letStartsComplete();
        runningDelegate();
        assertThat(consumer.pendingWork()).as("a delegate that runs").isEqualTo(1);

        slow.holdStops();
        view.elect("other", 2);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> slow.consumers().get(0).stopEntered());
        assertThat(consumer.pendingWork()).as("a stop under way").isEqualTo(1);
        slow.letStopsComplete();
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.pendingWork() == 0);
    }

    @Test
    void an_exchange_offered_after_the_renew_deadline_runs_no_step_and_fails_at_its_delegate() throws Exception {
        slow.letStartsComplete();
        view.elect(SwitchableElection.LOCAL, 4);
        SlowConsumer delegate = runningDelegate();
        assertThat(delegate.fire().getException()).as("inside the window").isNull();
        assertThat(steps).hasValue(1);

        view.deadlinePassesUntold(4);
        Exchange late = delegate.fire();

        assertThat(late.getException())
                .as("the failure the delegate sees")
                .isInstanceOf(TermEndedException.class)
                .hasMessageContaining("epoch 4");
        assertThat(steps).as("no step ran for the late exchange").hasValue(1);
    }

    @Test
    void a_delegate_whose_stop_blocks_holds_up_neither_the_event_nor_the_group_and_its_exchanges_are_refused()
            throws Exception {
        slow.letStartsComplete();
        slow.holdStops();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("master:" + GROUP + ":slow:more").routeId("more").process(e -> steps.incrementAndGet());
            }
        });
        view.elect(SwitchableElection.LOCAL, 1);
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        slow.running().size() == 2 && slow.running().stream().allMatch(SlowConsumer::isStarted));
        var delegates = slow.running();

        try (LogCapture log = LogCapture.of("k8sensus.election")) {
            returnsPromptly("the loss, while every delegate's stop blocks", () -> view.elect("other", 2));

            await("both delegates are stopping, side by side")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> delegates.stream().allMatch(SlowConsumer::stopEntered));
            Exchange offered = delegates.get(0).fire();
            assertThat(offered.getException())
                    .as("offered while its stop blocks")
                    .isInstanceOf(TermEndedException.class);
            assertThat(steps).as("no step ran after the term ended").hasValue(0);

            slow.letStopsComplete();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> delegates.stream().allMatch(SlowConsumer::isStopped));
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(log.messages())
                            .anyMatch(m ->
                                    m.startsWith("event=exchange-refused group=" + GROUP + " pod=me epoch=1 count=1")));
        }
    }

    @Test
    void stopping_the_route_while_the_delegate_start_hangs_returns_and_leaves_no_delegate_running() {
        view.elect(SwitchableElection.LOCAL, 1);
        SlowConsumer starting = delegateStarting();

        returnsPromptly("stopping the route", () -> {
            try {
                context.getRouteController().stopRoute("work");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        slow.letStartsComplete();

        await().atMost(Duration.ofSeconds(10)).until(starting::isStopped);
        assertThat(slow.running())
                .as("delegates running after the route stopped")
                .isEmpty();
    }

    @Test
    void a_suspended_route_stops_its_delegate_but_holds_the_view_until_it_stops() throws Exception {
        slow.letStartsComplete();
        view.elect(SwitchableElection.LOCAL, 1);
        SlowConsumer first = runningDelegate();

        // what Camel's graceful shutdown does first; the route's in-flight exchanges complete meanwhile
        context.getRouteController().suspendRoute("work");

        assertThat(first.isStopped()).as("no new exchange once suspended").isTrue();
        assertThat(view.isRunAllowed())
                .as("the view, and so the Lease, is held while suspended")
                .isTrue();

        context.getRouteController().resumeRoute("work");
        assertThat(runningDelegate().fire().getMessage().getHeader(LeaderHeaders.EPOCH))
                .isEqualTo(1L);

        context.getRouteController().stopRoute("work");
        assertThat(slow.running()).isEmpty();
        assertThat(view.isRunAllowed())
                .as("the view is released once the route stopped")
                .isFalse();
    }

    @Test
    void an_exchange_carries_the_term_its_consumer_started_in_after_the_leader_learned_of_a_newer_term()
            throws Exception {
        slow.letStartsComplete();
        view.elect(SwitchableElection.LOCAL, 7);
        SlowConsumer delegate = runningDelegate();

        // the elector has learned of a new holder; the event that stops the delegate has not come yet
        election.terms().update(new LeaderTerm(GROUP, "other", 8, false));
        Exchange exchange = delegate.fire();

        assertThat(exchange.getMessage().getHeader(LeaderHeaders.GROUP)).isEqualTo(GROUP);
        assertThat(exchange.getMessage().getHeader(LeaderHeaders.LEADER))
                .as("leader of the delegate's term")
                .isEqualTo(SwitchableElection.LOCAL);
        assertThat(exchange.getMessage().getHeader(LeaderHeaders.EPOCH))
                .as("epoch of the delegate's term")
                .isEqualTo(7L);
    }
}
