package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;

import io.k8sensus.testing.LogCapture;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** A route whose server is away logs one line when its exchanges start failing and one when they work again. */
class RouteOutageLogTest {

    @Test
    void a_streak_of_failures_is_one_line_with_the_cause_and_its_end_is_one_line() throws Exception {
        AtomicBoolean serverDown = new AtomicBoolean(true);
        try (LogCapture log = LogCapture.of("k8sensus.route"); CamelContext context = new DefaultCamelContext()) {
            context.getManagementStrategy().addEventNotifier(new RouteOutageLog());
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:handled").routeId("handled")
                            .onException(Exception.class).handled(true).end()
                            .process(e -> {
                                if (serverDown.get()) {
                                    throw new IllegalStateException("pool exhausted",
                                            new java.net.ConnectException("Connection refused"));
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
            for (int i = 0; i < 5; i++) {
                context.createProducerTemplate().sendBody("direct:handled", "x");
                context.createProducerTemplate().send("direct:unhandled", e -> e.getMessage().setBody("x"));
            }
            assertThat(log.messages()).containsExactlyInAnyOrder(
                    "event=route-failing route=handled cause=\"IllegalStateException: pool exhausted / "
                    + "ConnectException: Connection refused\": the route tries again on its next exchange",
                    "event=route-failing route=unhandled cause=\"IllegalStateException: down\": the route tries "
                    + "again on its next exchange");

            serverDown.set(false);
            for (int i = 0; i < 3; i++) {
                context.createProducerTemplate().sendBody("direct:handled", "x");
                context.createProducerTemplate().sendBody("direct:unhandled", "x");
            }
            assertThat(log.messages()).hasSize(4);
            assertThat(log.messages().subList(2, 4)).allMatch(m -> m.matches(
                    "event=route-recovered route=(un)?handled failed-exchanges=5 after-ms=\\d+"));
        }
    }
}
