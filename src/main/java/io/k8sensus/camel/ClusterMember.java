package io.k8sensus.camel;

import java.util.function.BooleanSupplier;
import org.apache.camel.cluster.CamelClusterMember;

/**
 * A replica as a Camel cluster view shows it: its Pod's name, whether it is this replica, and whether the view now
 * names it the leader (asked of the view each time, so the member never holds a stale answer). A view keeps one member
 * per name; two members are the same only if they are one object.
 */
public final class ClusterMember implements CamelClusterMember {

    private final String id;
    private final boolean local;
    private final BooleanSupplier leader;

    /** {@code leader} says whether the view names this member the leader now. */
    public ClusterMember(String id, boolean local, BooleanSupplier leader) {
        this.id = id;
        this.local = local;
        this.leader = leader;
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public boolean isLocal() {
        return local;
    }

    @Override
    public boolean isLeader() {
        return leader.getAsBoolean();
    }

    @Override
    public String toString() {
        return id;
    }
}
