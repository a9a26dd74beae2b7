package io.k8sensus.camel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import io.k8sensus.kube.LeaseEvents;

/**
 * Turns the changes of leader that a group's view reports into the Kubernetes Events of {@link LeaseEvents}: one
 * when this replica's term begins ("became leader"), one when it ends ("stopped leading"), each with its epoch.
 */
final class LeadershipEvents implements ElectionObserver {

    private final LeaseEvents events;
    private final UnaryOperator<String> leaseOf;
    /** The epoch of this replica's term, per group it leads. */
    private final Map<String, Long> leading = new ConcurrentHashMap<>();

    LeadershipEvents(LeaseEvents events, UnaryOperator<String> leaseOf) {
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
