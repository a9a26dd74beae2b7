package io.k8sensus.testing;

import io.k8sensus.fencing.LeaderHeaders;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Every completed exchange of the routes of several replicas, timestamped on one monotonic clock, so that a test can
 * ask who fired, in which order, and whether two replicas ever acted at once.
 */
public final class FiringHistory {

    /** One completed exchange: which replica, which route, when (nanoTime), and the epoch header if any. */
    public record Firing(String replica, String routeId, long nanos, Long epoch) {}

    /** A maximal run of consecutive leader-only firings by one replica. */
    public record Run(String replica, long firstNanos, long lastNanos, int count, List<Long> epochs) {}

    private final ConcurrentLinkedQueue<Firing> firings = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Firing> failures = new ConcurrentLinkedQueue<>();

    void recordFrom(String replica, CamelContext context) {
        context.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                Exchange exchange = ((CamelEvent.ExchangeEvent) event).getExchange();
                Firing firing = new Firing(
                        replica,
                        exchange.getFromRouteId(),
                        System.nanoTime(),
                        exchange.getMessage().getHeader(LeaderHeaders.EPOCH, Long.class));
                if (event instanceof CamelEvent.ExchangeFailedEvent || exchange.isFailed()) {
                    failures.add(firing);
                } else {
                    firings.add(firing);
                }
            }

            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.ExchangeCompletedEvent
                        || event instanceof CamelEvent.ExchangeFailedEvent;
            }
        });
    }

    public List<Firing> of(String routeId) {
        return firings.stream()
                .filter(f -> routeId.equals(f.routeId()))
                .sorted(Comparator.comparingLong(Firing::nanos))
                .toList();
    }

    /** Exchanges that failed (an error, or stopped by a forced shutdown), in time order. */
    public List<Firing> failures() {
        return failures.stream().sorted(Comparator.comparingLong(Firing::nanos)).toList();
    }

    public long count(String routeId, String replica) {
        return of(routeId).stream().filter(f -> f.replica().equals(replica)).count();
    }

    /** The firings of a route since {@code sinceNanos}, grouped into runs of one replica each, in time order. */
    public List<Run> runs(String routeId, long sinceNanos) {
        List<Run> runs = new ArrayList<>();
        for (Firing f : of(routeId)) {
            if (f.nanos() < sinceNanos) {
                continue;
            }
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last.replica().equals(f.replica())) {
                List<Long> epochs = new ArrayList<>(last.epochs());
                if (!epochs.contains(f.epoch())) {
                    epochs.add(f.epoch());
                }
                runs.set(
                        runs.size() - 1,
                        new Run(last.replica(), last.firstNanos(), f.nanos(), last.count() + 1, epochs));
            } else {
                List<Long> epochs = new ArrayList<>();
                epochs.add(f.epoch());
                runs.add(new Run(f.replica(), f.nanos(), f.nanos(), 1, epochs));
            }
        }
        return runs;
    }

    public List<Run> runs(String routeId) {
        return runs(routeId, Long.MIN_VALUE);
    }
}
