package io.k8sensus.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8sensus.config.ElectionSettings;
import io.k8sensus.elector.Answer;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The election's meters follow what the elector reports, with reasons a dashboard can group by. */
class ElectionMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ElectionMetrics metrics = new ElectionMetrics(
            registry,
            new ElectionSettings(
                    "pod-a",
                    "ns",
                    Map.of("app", "x"),
                    "k8sensus",
                    Set.of("heartbeat", "jobs"),
                    new Timings(3000, 2000, 500, 1.2),
                    "",
                    1600,
                    true,
                    true,
                    false,
                    null,
                    false));

    private double gauge(String name, String group) {
        return registry.get(name).tag("group", group).gauge().value();
    }

    @Test
    void every_configured_group_is_there_from_the_start_and_a_follower_shows_zero() {
        assertThat(gauge("k8sensus.election.leader", "jobs")).isZero();
        assertThat(registry.get("leader.election.master.status")
                        .tag("name", "k8sensus-jobs")
                        .gauge()
                        .value())
                .isZero();
        assertThat(gauge("k8sensus.election.epoch", "jobs")).isEqualTo(-1);
        assertThat(gauge("k8sensus.election.seconds.since.renewal", "jobs")).isNaN();
    }

    @Test
    void leading_and_losing_a_group_moves_its_gauges_and_counts_the_changes() {
        metrics.leaderChanged("jobs", "pod-a", 4, true);
        assertThat(gauge("k8sensus.election.leader", "jobs")).isEqualTo(1);
        assertThat(gauge("k8sensus.election.epoch", "jobs")).isEqualTo(4);
        assertThat(gauge("k8sensus.election.seconds.since.renewal", "jobs")).isBetween(0.0, 5.0);
        assertThat(gauge("k8sensus.election.leader", "heartbeat"))
                .as("another group")
                .isZero();

        metrics.leaderChanged("jobs", "pod-b", 5, false);
        assertThat(gauge("k8sensus.election.leader", "jobs")).isZero();
        assertThat(gauge("k8sensus.election.epoch", "jobs")).isEqualTo(5);
        assertThat(registry.get("k8sensus.election.leader.changes")
                        .tag("group", "jobs")
                        .counter()
                        .count())
                .isEqualTo(2);
    }

    @Test
    void renewals_are_timed_by_outcome_and_failures_counted_by_request_and_root_cause() {
        LeaseRequest renew = new LeaseRequest.Renew(null);
        metrics.answered("jobs", renew, new Answer.Ok(null), 3_000_000);
        metrics.answered("jobs", renew, new Answer.Failed("SocketTimeoutException: timeout"), 1_600_000_000L);
        metrics.answered("jobs", new LeaseRequest.Read(), new Answer.Conflict(), 1_000_000);

        assertThat(registry.get("k8sensus.election.renewal")
                        .tags("group", "jobs", "outcome", "ok")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("k8sensus.election.renewal")
                        .tags("group", "jobs", "outcome", "SocketTimeoutException")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("k8sensus.election.api.errors")
                        .tags("group", "jobs", "request", "renew", "reason", "SocketTimeoutException")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("k8sensus.election.api.errors")
                        .tags("request", "read", "reason", "conflict")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void renewal_histogram_has_buckets_from_5_ms_to_the_longest_call_timeout_and_places_each_renewal_in_them() {
        LeaseRequest renew = new LeaseRequest.Renew(null);
        metrics.answered("jobs", renew, new Answer.Ok(null), 3_000_000);
        metrics.answered("jobs", renew, new Answer.Ok(null), 700_000_000);

        CountAtBucket[] buckets = registry.get("k8sensus.election.renewal")
                .tags("group", "jobs", "outcome", "ok")
                .timer()
                .takeSnapshot()
                .histogramCounts();
        assertThat(buckets).hasSize(12);
        assertThat(buckets[0].bucket(TimeUnit.MILLISECONDS)).isEqualTo(5);
        assertThat(buckets[0].count()).isEqualTo(1);
        assertThat(buckets[buckets.length - 1].bucket(TimeUnit.MILLISECONDS)).isEqualTo(15_000);
        // cumulative, as Prometheus reads le="1.0": both renewals took at most a second
        assertThat(Arrays.stream(buckets)
                        .filter(b -> b.bucket(TimeUnit.MILLISECONDS) == 1_000)
                        .findFirst()
                        .orElseThrow()
                        .count())
                .isEqualTo(2);
    }
}
