package io.k8sensus.kube;

/** What this replica does when its term of a group begins or ends, beside acting (Events, the leader label). */
public interface LeadershipChanges {

    /** This replica became the leader of {@code group} (Lease {@code lease}) in the term of {@code epoch}. */
    void becameLeader(String group, String lease, long epoch);

    /** This replica's term of {@code epoch} in {@code group} ended. */
    void stoppedLeading(String group, String lease, long epoch);

    /** Stops, after what is still waiting is done, for at most {@code waitMs}. */
    void close(long waitMs);
}
