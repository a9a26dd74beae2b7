package io.k8sensus.camel;

import io.k8sensus.log.KeyValueLog;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness of the election, as client-go's {@code HealthzAdaptor} gives it: DOWN while the election of a group is
 * stuck ({@link LeaseElectionView#stuck}), so that the kubelet restarts a replica whose elector no longer runs, or
 * that still leads past its renew deadline. Not a readiness check: a follower is healthy, and must stay Ready to be a
 * candidate. Each change between UP and DOWN is logged once ({@code event=election-stuck} /
 * {@code event=election-unstuck}).
 */
public class ElectionHealthCheck extends AbstractHealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.election");

    private final LeaseClusterService service;
    private final String pod;
    private Set<String> stuckBefore = Set.of();

    public ElectionHealthCheck(LeaseClusterService service) {
        super("k8sensus", "election");
        this.service = service;
        this.pod = service.settings().podName();
    }

    @Override
    public boolean isLiveness() {
        return true;
    }

    @Override
    public boolean isReadiness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        SortedMap<String, String> stuck = service.stuckElections();
        report(stuck);
        if (stuck.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", stuck.values()));
            builder.detail("stuck.groups", String.join(",", stuck.keySet()));
            builder.down();
        }
    }

    /** Logs a group when it becomes stuck, and when it runs again. */
    private synchronized void report(SortedMap<String, String> stuck) {
        stuck.forEach((group, why) -> {
            if (!stuckBefore.contains(group)) {
                KeyValueLog.error(
                        LOG, "event=election-stuck group={} pod={} reason=\"{}\": liveness is DOWN", group, pod, why);
            }
        });
        stuckBefore.stream()
                .filter(group -> !stuck.containsKey(group))
                .forEach(group -> KeyValueLog.info(LOG, "event=election-unstuck group={} pod={}", group, pod));
        stuckBefore = Set.copyOf(stuck.keySet());
    }
}
