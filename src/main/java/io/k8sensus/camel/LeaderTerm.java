package io.k8sensus.camel;

/**
 * Who leads a group, as this replica last saw it.
 *
 * @param group  the election group ({@code master:<group>:...})
 * @param leader the holder's identity (Pod name), or null when the group has no leader
 * @param epoch  the Lease's {@code spec.leaseTransitions} of that holder's term: it only grows, so a receiver can
 *               reject actions of an older term; {@link #UNKNOWN_EPOCH} when it could not be read
 * @param local  whether the leader is this replica
 */
public record LeaderTerm(String group, String leader, long epoch, boolean local) {

    public static final long UNKNOWN_EPOCH = -1;

    public static LeaderTerm none(String group) {
        return new LeaderTerm(group, null, UNKNOWN_EPOCH, false);
    }

    /** The leader for log lines: its name or {@code none}. */
    public String leaderOrNone() {
        return leader == null ? "none" : leader;
    }
}
