package io.k8sensus.fencing;

/**
 * Headers that every exchange of a leader-only route carries, so that a receiving system can reject the actions of a
 * leader whose term is over (see the README's "Fencing" section).
 */
public final class LeaderHeaders {

    /** The election group, as in {@code master:<group>:...}. */
    public static final String GROUP = "K8sensusGroup";
    /** The identity (Pod name) of the leader that created the exchange. */
    public static final String LEADER = "K8sensusLeader";
    /** The leader's term: the Lease's {@code spec.leaseTransitions}; higher is newer, -1 when unknown. */
    public static final String EPOCH = "K8sensusEpoch";

    private LeaderHeaders() {}
}
