package io.k8sensus.camel;

import io.k8sensus.fencing.StaleLeaderException;
import io.k8sensus.kube.RootCause;
import io.k8sensus.log.KeyValueLog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.ExchangeEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line when a route's exchanges start failing, and one when they succeed again, instead of a stack trace per
 * attempt: a leader-only route whose server is down at start-up or goes away (a database restart, a broker failover)
 * says so once, with the cause, and says when it is back.
 *
 * <pre>
 * WARN  k.route - event=route-failing route=sql-jobs cause="PSQLException: Connection to 127.0.0.1:5432 refused ...": the route tries again on its next exchange
 * INFO  k.route - event=route-recovered route=sql-jobs failed-exchanges=12 after-ms=5210
 * </pre>
 *
 * A fence's refusal of an ended term ({@code StaleLeaderException}, caught by the receiving route) is no failure.
 * An exchange counts as failed when it ends with an exception, or when an {@code onException} handled one (the
 * route's error handling decides what happens to the work; this only reports it). The route counts as recovered at
 * its first successful exchange {@value #QUIET_MS} ms or more after its last failure: a server that is going away
 * or coming back often answers one request between two refusals, and that is still the same outage.
 */
public class RouteOutageLog extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.route");

    /** How long a route must go without a failure before a success ends its outage. */
    static final long QUIET_MS = 1000;

    private final Map<String, Streak> failing = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    private static final class Streak {
        final long sinceNanos;
        long lastFailureNanos;
        long firstSuccessNanos = -1;
        long failures = 1;

        Streak(long now) {
            sinceNanos = now;
            lastFailureNanos = now;
        }
    }

    public RouteOutageLog() {
        this(System::nanoTime);
    }

    RouteOutageLog(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        // only the end of an exchange matters
        setIgnoreCamelContextEvents(true);
        setIgnoreCamelContextInitEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeCompletedEvent || event instanceof CamelEvent.ExchangeFailedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        Exchange exchange = ((ExchangeEvent) event).getExchange();
        String route = exchange.getFromRouteId();
        if (route == null) {
            return;
        }
        Throwable cause = exchange.getException() != null
                ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (cause instanceof StaleLeaderException) {
            return; // a fence refusing an ended term is the receiver doing its job, not an outage
        }
        if (cause != null) {
            failed(route, cause);
        } else {
            succeeded(route);
        }
    }

    private void failed(String route, Throwable cause) {
        long now = nanoTime.getAsLong();
        failing.compute(route, (key, streak) -> {
            if (streak == null) {
                KeyValueLog.warn(
                        LOG,
                        "event=route-failing route={} cause=\"{}\": the route tries again on its next exchange",
                        route,
                        describe(cause));
                return new Streak(now);
            }
            streak.failures++;
            streak.lastFailureNanos = now;
            streak.firstSuccessNanos = -1;
            return streak;
        });
    }

    /**
     * The innermost cause, after the one it is wrapped in when there is one: a driver's own message names the
     * server ("PSQLException: Connection to 127.0.0.1:5432 refused. ... / ConnectException: Connection refused").
     */
    static String describe(Throwable failure) {
        Throwable outer = null;
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            outer = root;
            root = root.getCause();
        }
        String text = RootCause.describe(root);
        if (outer != null
                && outer.getMessage() != null
                && !outer.getMessage().contains(String.valueOf(root.getMessage()))) {
            text = outer.getClass().getSimpleName() + ": " + outer.getMessage() + " / " + text;
        }
        return text.replaceAll("\\s+", " ").replace('"', '\'');
    }

    private void succeeded(String route) {
        long now = nanoTime.getAsLong();
        failing.computeIfPresent(route, (key, streak) -> {
            if (streak.firstSuccessNanos < 0) {
                streak.firstSuccessNanos = now;
            }
            if (now - streak.lastFailureNanos < QUIET_MS * 1_000_000) {
                return streak;
            }
            KeyValueLog.info(
                    LOG,
                    "event=route-recovered route={} failed-exchanges={} after-ms={}",
                    route,
                    streak.failures,
                    (streak.firstSuccessNanos - streak.sinceNanos) / 1_000_000);
            return null;
        });
    }
}
