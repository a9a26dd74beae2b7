package io.k8sensus.route;

import java.time.Duration;
import java.util.Set;

import io.k8sensus.election.LeaderTerm;
import io.k8sensus.route.SlowStartComponent.SlowConsumer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code master:} consumer, driven by a cluster service whose elections the test decides ({@link SwitchableElection})
 * over a delegate whose start the test holds ({@link SlowStartComponent}).
 */
class LeaderOnlyConsumerTest {

    private static final String GROUP = "jobs";

    private final SwitchableElection election = new SwitchableElection();
    private final SlowStartComponent slow = new SlowStartComponent();
    private CamelContext context;
    private SwitchableElection.View view;

    @BeforeEach
    void startRoute() throws Exception {
        context = new DefaultCamelContext();
        context.addComponent("master", new LeaderOnlyComponent(election, election.terms(), Set.of(GROUP)));
        context.addComponent("slow", slow);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("master:" + GROUP + ":slow:work").routeId("work").log("work done");
            }
        });
        context.start();
        view = election.view(GROUP);
    }

    @AfterEach
    void stopRoute() {
        slow.letStartsComplete();
        context.stop();
    }

    private SlowConsumer runningDelegate() {
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.running().size() == 1
                                                           && slow.running().get(0).isStarted());
        return slow.running().get(0);
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
        assertThat(exchange.getMessage().getHeader(LeaderHeaders.LEADER)).as("leader of the delegate's term")
                .isEqualTo(SwitchableElection.LOCAL);
        assertThat(exchange.getMessage().getHeader(LeaderHeaders.EPOCH)).as("epoch of the delegate's term")
                .isEqualTo(7L);
    }
}
