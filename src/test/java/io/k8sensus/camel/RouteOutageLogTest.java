package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8sensus.fencing.StaleLeaderException;
import io.k8sensus.testing.LogCapture;
import java.net.ConnectException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/**
 * A route whose server is away logs one line when its exchanges start failing and one when they work again; a
 * success between two failures (a server going away answers one more request) is the same outage.
 */
class RouteOutageLogTest {

    private static final long MS = 1_000_000;

    @Test
    void a_streak_of_failures_is_one_line_with_the_cause_and_its_end_is_one_line() throws Exception {
        AtomicBoolean serverDown = new AtomicBoolean(true);
        AtomicLong clock = new AtomicLong();
        try (LogCapture log = LogCapture.of("k8sensus.route");
                CamelContext context = new DefaultCamelContext()) {
            context.getManagementStrategy().addEventNotifier(new RouteOutageLog(clock::get));
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:handled")
                            .routeId("handled")
                            .onException(Exception.class)
                            .handled(true)
                            .end()
                            .process(e -> {
                                if (serverDown.get()) {
                                    throw new IllegalStateException(
                                            "pool exhausted", new ConnectException("Connection refused"));
                                }
                            });
                    from("direct:unhandled").routeId("unhandled").process(e -> {
                        if (serverDown.get()) {
                            throw new IllegalStateException("down");
                        }
                    });
                }
            });
            context.start();
            ProducerTemplate template = context.createProducerTemplate();
            Runnable both = () -> {
                template.sendBody("direct:handled", "x");
                template.send("direct:unhandled", e -> e.getMessage().setBody("x"));
            };
            for (int i = 0; i < 5; i++) {
                clock.addAndGet(100 * MS);
                both.run();
            }
            assertThat(log.messages())
                    .containsExactlyInAnyOrder(
                            "event=route-failing route=handled cause=\"IllegalStateException: pool exhausted / "
                                    + "ConnectException: Connection refused\": the route tries again on its next exchange",
                            "event=route-failing route=unhandled cause=\"IllegalStateException: down\": the route tries "
                                    + "again on its next exchange");

            // one answer between two refusals, then answers again: the outage goes on until 1 s without a failure
            serverDown.set(false);
            clock.addAndGet(100 * MS);
            both.run();
            serverDown.set(true);
            clock.addAndGet(100 * MS);
            both.run();
            serverDown.set(false);
            clock.addAndGet(200 * MS);
            both.run();
            clock.addAndGet(500 * MS);
            both.run();
            assertThat(log.messages()).as("lines before 1 s without a failure").hasSize(2);

            clock.addAndGet(500 * MS);
            both.run();
            assertThat(log.messages()).hasSize(4);
            // failures at 100..500 ms and 700 ms, the first success of the last run at 900 ms
            assertThat(log.messages().subList(2, 4))
                    .allMatch(
                            m -> m.matches("event=route-recovered route=(un)?handled failed-exchanges=6 after-ms=800"));

            clock.addAndGet(5000 * MS);
            both.run();
            assertThat(log.messages()).as("lines once recovered").hasSize(4);
        }
    }

    @Test
    void a_fence_refusing_a_stale_leader_is_not_an_outage() throws Exception {
        try (LogCapture log = LogCapture.of("k8sensus.route");
                CamelContext context = new DefaultCamelContext()) {
            context.getManagementStrategy().addEventNotifier(new RouteOutageLog());
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:fenced")
                            .routeId("fenced")
                            .doTry()
                            .throwException(new StaleLeaderException("a newer term has acted"))
                            .doCatch(StaleLeaderException.class)
                            .setBody(constant("refused"))
                            .end();
                }
            });
            context.start();
            context.createProducerTemplate().sendBody("direct:fenced", "x");
            assertThat(log.messages()).isEmpty();
        }
    }
}
