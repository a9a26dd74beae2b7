package io.k8sensus.camel;

import io.k8sensus.log.KeyValueLog;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.master.MasterEndpoint;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the elections of the groups that leader-only routes use, one {@code key=value} line per event, so that
 * operators can grep them:
 *
 * <pre>
 * event=acquired group=heartbeat pod=replica-1 leader=replica-1 epoch=3
 * event=lost group=heartbeat pod=replica-1 leader=replica-2 epoch=3
 * event=leader-changed group=heartbeat pod=replica-3 leader=replica-2 epoch=4
 * event=member-joined group=heartbeat pod=replica-1 member=replica-3
 * event=member-left group=heartbeat pod=replica-1 member=replica-2
 * </pre>
 *
 * {@code epoch} is the term that was acquired, or lost, or that the new leader holds. Attach it to a route with
 * {@code routePolicy: "electionLog"}; the route must start from {@code master:<group>:...}. Each group is logged once,
 * however many routes share it.
 */
public class ElectionLogPolicy extends RoutePolicySupport {

    static final String LOGGER_NAME = "k8sensus.election";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private final CamelClusterService clusterService;
    private final LeaderTerms terms;
    private final Map<String, GroupListener> listeners = new ConcurrentHashMap<>();

    public ElectionLogPolicy(CamelClusterService clusterService, LeaderTerms terms) {
        this.clusterService = clusterService;
        this.terms = terms;
    }

    @Override
    public void onInit(Route route) {
        Endpoint endpoint = route.getEndpoint();
        if (!(endpoint instanceof MasterEndpoint master)) {
            throw new IllegalArgumentException(
                    "Route '" + route.getRouteId() + "' uses routePolicy electionLog but starts"
                            + " from " + endpoint.getEndpointUri()
                            + ": the policy logs elections of leader-only routes (from: master:<group>:...)");
        }
        listeners
                .computeIfAbsent(master.getNamespace(), GroupListener::new)
                .routes
                .add(route.getRouteId());
    }

    /** A route removed: see {@link #releaseGroupsWithoutRoutes}. */
    @Override
    public void onRemove(Route route) {
        if (route.getEndpoint() instanceof MasterEndpoint master) {
            GroupListener listener = listeners.get(master.getNamespace());
            if (listener != null) {
                listener.routes.remove(route.getRouteId());
            }
        }
    }

    /**
     * Lets go of the views of the groups none of whose routes uses the policy any more, so that it holds no Lease for
     * a group without routes. Called once a reload of route files is complete, not at each route it removes: a route
     * file reloaded removes the routes of its group and adds them again, and the group's election goes on unlogged.
     */
    public void releaseGroupsWithoutRoutes() {
        listeners.forEach((group, listener) -> {
            if (listener.routes.isEmpty() && listeners.remove(group, listener)) {
                try {
                    listener.detach();
                } catch (Exception e) {
                    LOG.debug("Cannot release the view of group {}", group, e);
                }
            }
        });
    }

    @Override
    public void onStart(Route route) {
        GroupListener listener = listeners.get(((MasterEndpoint) route.getEndpoint()).getNamespace());
        listener.attach();
    }

    @Override
    protected void doStop() throws Exception {
        for (GroupListener listener : listeners.values()) {
            listener.detach();
        }
        super.doStop();
    }

    /** Listens to one group's view; remembers the last term to tell acquired, lost and leader-changed apart. */
    private final class GroupListener
            implements CamelClusterEventListener.Leadership, CamelClusterEventListener.Membership {

        private final String group;
        /** The routes of this group that use the policy. */
        private final Set<String> routes = ConcurrentHashMap.newKeySet();

        private CamelClusterView view;
        private LeaderTerm last;

        GroupListener(String group) {
            this.group = group;
            this.last = LeaderTerm.none(group);
        }

        // attach and detach call the view outside this listener's monitor: the view's notifier holds the view's
        // listener lock while it waits for that monitor in leadershipChanged, and a view call here waits for that lock
        void attach() {
            CamelClusterView attached;
            synchronized (this) {
                if (view != null) {
                    return;
                }
                try {
                    attached = clusterService.getView(group);
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot watch the election of group '" + group + "'", e);
                }
                view = attached;
            }
            attached.addEventListener(this);
        }

        void detach() throws Exception {
            CamelClusterView detached;
            synchronized (this) {
                detached = view;
                view = null;
            }
            if (detached != null) {
                detached.removeEventListener(this);
                clusterService.releaseView(detached);
            }
        }

        @Override
        public synchronized void leadershipChanged(CamelClusterView view, CamelClusterMember leader) {
            String leaderId = leader == null ? null : leader.getId();
            LeaderTerm known = terms.current(group);
            long epoch = Objects.equals(known.leader(), leaderId) ? known.epoch() : LeaderTerm.UNKNOWN_EPOCH;
            LeaderTerm term = new LeaderTerm(group, leaderId, epoch, leader != null && leader.isLocal());
            String pod = view.getLocalMember().getId();
            if (term.local() && !last.local()) {
                KeyValueLog.info(
                        LOG,
                        "event=acquired group={} pod={} leader={} epoch={}",
                        group,
                        pod,
                        term.leaderOrNone(),
                        term.epoch());
            } else if (last.local() && !term.local()) {
                KeyValueLog.info(
                        LOG,
                        "event=lost group={} pod={} leader={} epoch={}",
                        group,
                        pod,
                        term.leaderOrNone(),
                        last.epoch());
            } else if (!Objects.equals(last.leader(), term.leader())) {
                KeyValueLog.info(
                        LOG,
                        "event=leader-changed group={} pod={} leader={} epoch={}",
                        group,
                        pod,
                        term.leaderOrNone(),
                        term.epoch());
            }
            last = term;
        }

        @Override
        public void memberAdded(CamelClusterView view, CamelClusterMember member) {
            KeyValueLog.info(
                    LOG,
                    "event=member-joined group={} pod={} member={}",
                    group,
                    view.getLocalMember().getId(),
                    member.getId());
        }

        @Override
        public void memberRemoved(CamelClusterView view, CamelClusterMember member) {
            KeyValueLog.info(
                    LOG,
                    "event=member-left group={} pod={} member={}",
                    group,
                    view.getLocalMember().getId(),
                    member.getId());
        }
    }
}
