package io.k8sensus.camel;

import io.k8sensus.kube.LeadershipChanges;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Turns the changes of leader that a group's view reports into the beginning and the end of this replica's terms,
 * each with its epoch, for what follows them ({@link LeadershipChanges}: the Kubernetes Events, the leader label).
 */
final class LeadershipEvents implements ElectionObserver {

    private final LeadershipChanges events;
    private final UnaryOperator<String> leaseOf;
    /** The epoch of this replica's term, per group it leads. */
    private final Map<String, Long> leading = new ConcurrentHashMap<>();

    LeadershipEvents(LeadershipChanges events, UnaryOperator<String> leaseOf) {
        this.events = events;
        this.leaseOf = leaseOf;
    }

    @Override
    public void leaderChanged(String group, String leader, long epoch, boolean local) {
        Long was = leading.get(group);
        if (was != null && (!local || was != epoch)) {
            leading.remove(group);
            events.stoppedLeading(group, leaseOf.apply(group), was);
        }
        if (local && !Long.valueOf(epoch).equals(leading.get(group))) {
            leading.put(group, epoch);
            events.becameLeader(group, leaseOf.apply(group), epoch);
        }
    }
}
