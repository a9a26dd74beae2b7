package io.k8sensus.metrics;

import io.k8sensus.camel.ElectionObserver;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.elector.Answer;
import io.k8sensus.elector.LeaseRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;

/**
 * The election's metrics, per group, in the Micrometer registry that Camel's Prometheus endpoint
 * ({@code /observe/metrics} on the management port) serves beside Camel's own:
 * <ul>
 *   <li>{@code k8sensus_election_leader} (1: this replica leads the group) and the same under client-go's name,
 *   {@code leader_election_master_status{name=<lease>}}, so that existing dashboards and alerts work;</li>
 *   <li>{@code k8sensus_election_epoch}: the epoch of the term this replica knows (-1: none);</li>
 *   <li>{@code k8sensus_election_leader_changes_total}: changes of leader this replica has seen;</li>
 *   <li>{@code k8sensus_election_seconds_since_renewal}: since this replica's last successful renewal while it leads
 *   (NaN when it does not);</li>
 *   <li>{@code k8sensus_election_renewal_seconds}: the time renewals took (a histogram), tagged with their outcome;</li>
 *   <li>{@code k8sensus_election_api_errors_total}: requests without success, by request and reason (conflict,
 *   not-found, or the root cause's class for a failure).</li>
 * </ul>
 */
public final class ElectionMetrics implements ElectionObserver {

    /**
     * The renewal histogram's buckets, those of client-go's request latency ({@code rest_client_request_duration_seconds})
     * up to the longest call timeout that makes sense: a dozen buckets instead of Micrometer's percentile histogram of
     * about 70 per outcome, which costs memory and scrape size and says no more about a call that takes milliseconds.
     */
    private static final Duration[] RENEWAL_BUCKETS = Stream.of(
                    5, 10, 25, 50, 100, 250, 500, 1_000, 2_000, 4_000, 8_000, 15_000)
            .map(Duration::ofMillis)
            .toArray(Duration[]::new);

    private final MeterRegistry registry;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    /**
     * The election's metrics in the context's Micrometer registry, the one Camel's Prometheus endpoint serves
     * ({@code camel.metrics.enabled=true} makes it); none where there is no registry (metrics off).
     */
    public static ElectionObserver in(CamelContext context, ElectionSettings settings) {
        MeterRegistry registry = MicrometerUtils.getMeterRegistryFromCamelRegistry(
                context.getRegistry(), MicrometerConstants.METRICS_REGISTRY_NAME);
        return registry == null ? ElectionObserver.NONE : new ElectionMetrics(registry, settings);
    }

    public ElectionMetrics(MeterRegistry registry, ElectionSettings settings) {
        this.registry = registry;
        // every configured group from the start: a follower shows 0, not nothing
        settings.groups().forEach(group -> groups.put(group, new Group(group, settings.leaseName(group))));
    }

    @Override
    public void leaderChanged(String group, String leader, long epoch, boolean local) {
        Group g = groups.get(group);
        if (g == null) {
            return;
        }
        if (local != (g.leading.get() == 1)) {
            g.lastRenewal.set(System.nanoTime()); // a new term starts renewed
        }
        g.leading.set(local ? 1 : 0);
        g.epoch.set(epoch);
        g.changes.increment();
    }

    @Override
    public void answered(String group, LeaseRequest request, Answer answer, long nanos) {
        Group g = groups.get(group);
        if (g == null) {
            return;
        }
        String outcome = outcome(answer);
        if (request instanceof LeaseRequest.Renew) {
            Timer.builder("k8sensus.election.renewal")
                    .description("Time a renewal of this replica's term took")
                    .tags("group", group, "outcome", outcome)
                    .serviceLevelObjectives(RENEWAL_BUCKETS)
                    .register(registry)
                    .record(nanos, TimeUnit.NANOSECONDS);
            if (answer instanceof Answer.Ok) {
                g.lastRenewal.set(System.nanoTime());
            }
        }
        if (!(answer instanceof Answer.Ok)) {
            Counter.builder("k8sensus.election.api.errors")
                    .description("Requests to the API server without success")
                    .tags(
                            "group",
                            group,
                            "request",
                            request.getClass().getSimpleName().toLowerCase(),
                            "reason",
                            outcome)
                    .register(registry)
                    .increment();
        }
    }

    /** "ok", "conflict", "not-found", or the class of a failure's root cause ("SocketTimeoutException"). */
    static String outcome(Answer answer) {
        if (answer instanceof Answer.Ok) {
            return "ok";
        }
        if (answer instanceof Answer.Conflict) {
            return "conflict";
        }
        if (answer instanceof Answer.NotFound) {
            return "not-found";
        }
        if (answer instanceof Answer.TermLost) {
            return "term-lost";
        }
        String reason = ((Answer.Failed) answer).reason();
        int colon = reason == null ? -1 : reason.indexOf(':');
        return reason == null || reason.isBlank() ? "failed" : (colon > 0 ? reason.substring(0, colon) : reason).trim();
    }

    /** One group's meters and the values they read. */
    private final class Group {

        final AtomicLong leading = new AtomicLong();
        final AtomicLong epoch = new AtomicLong(-1);
        final AtomicLong lastRenewal = new AtomicLong();
        final Counter changes;

        Group(String group, String lease) {
            Gauge.builder("k8sensus.election.leader", leading, AtomicLong::get)
                    .description("1 while this replica leads the group")
                    .tags("group", group, "lease", lease)
                    .register(registry);
            Gauge.builder("leader.election.master.status", leading, AtomicLong::get)
                    .description("1 while this replica leads (client-go's metric)")
                    .tags("name", lease)
                    .register(registry);
            Gauge.builder("k8sensus.election.epoch", epoch, AtomicLong::get)
                    .description("Epoch of the group's term as this replica knows it; -1: none")
                    .tags("group", group)
                    .register(registry);
            Gauge.builder("k8sensus.election.seconds.since.renewal", this, Group::secondsSinceRenewal)
                    .description("Seconds since this replica's last successful renewal while it leads; NaN otherwise")
                    .tags("group", group)
                    .register(registry);
            changes = Counter.builder("k8sensus.election.leader.changes")
                    .description("Changes of the group's leader seen by this replica")
                    .tags("group", group)
                    .register(registry);
        }

        double secondsSinceRenewal() {
            return leading.get() == 1 ? (System.nanoTime() - lastRenewal.get()) / 1e9 : Double.NaN;
        }
    }
}
