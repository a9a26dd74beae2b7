package io.k8sensus.camel;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.apache.camel.support.cluster.AbstractCamelClusterView;

/**
 * A cluster service whose elections the test decides by hand, seen from the replica {@value #LOCAL}. Like k8sensus's
 * elector, a view writes the new term and its window to {@link #terms()} before it tells its listeners, and delivers
 * every event on the thread that caused it.
 */
final class SwitchableElection extends AbstractCamelClusterService<SwitchableElection.View> {

    static final String LOCAL = "me";

    private final LeaderTerms terms = new LeaderTerms();

    LeaderTerms terms() {
        return terms;
    }

    @Override
    protected View createView(String group) {
        return new View(this, group);
    }

    /** The view of a group, as a route of that group holds it. */
    View view(String group) {
        try {
            View view = (View) getView(group);
            releaseView(view);
            return view;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    final class View extends AbstractCamelClusterView {

        private final ClusterMember local = new ClusterMember(LOCAL, true, () -> leads(LOCAL));
        private final List<CamelClusterMember> members = new CopyOnWriteArrayList<>(List.of(local));
        private volatile ClusterMember leader;

        View(SwitchableElection service, String group) {
            super(service, group);
        }

        /** A new term of {@code leaderId} (this replica when {@value #LOCAL}); null: the group has no leader. */
        void elect(String leaderId, long epoch) {
            leader = leaderId == null
                    ? null
                    : leaderId.equals(LOCAL) ? local : new ClusterMember(leaderId, false, () -> leads(leaderId));
            terms.update(
                    leaderId == null
                            ? LeaderTerm.none(getNamespace())
                            : new LeaderTerm(getNamespace(), leaderId, epoch, leader == local));
            if (leader == local) {
                terms.open(getNamespace(), epoch, Long.MAX_VALUE);
            } else {
                terms.close(getNamespace());
            }
            fireLeadershipChangedEvent(leader);
        }

        /**
         * The renew deadline of this replica's term {@code epoch} passes, and nobody has told the listeners yet (the
         * timer that ends the term is late, or the event waits behind a slow listener).
         */
        void deadlinePassesUntold(long epoch) {
            terms.open(getNamespace(), epoch, System.nanoTime() - 1);
        }

        /** This replica's Pod leaves the candidates (it stays leader in the view, as Camel's controller reports). */
        void localLeavesTheCandidates() {
            members.remove(local);
            fireMemberRemovedEvent(local);
        }

        private boolean leads(String id) {
            ClusterMember current = leader;
            return current != null && current.getId().equals(id);
        }

        @Override
        public Optional<CamelClusterMember> getLeader() {
            return Optional.ofNullable(leader);
        }

        @Override
        public CamelClusterMember getLocalMember() {
            return local;
        }

        @Override
        public List<CamelClusterMember> getMembers() {
            return members;
        }
    }
}
