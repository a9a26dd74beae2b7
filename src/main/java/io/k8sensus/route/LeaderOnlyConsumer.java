package io.k8sensus.route;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.k8sensus.election.LeaderTerm;
import io.k8sensus.election.LeaderTerms;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the delegate endpoint's consumer only while this replica leads the group <em>and</em> is one of its members
 * (a Running and Ready candidate Pod).
 * <p>
 * It stands in for camel-master 4.18's consumer, which acted beside a new leader in two ways: Camel's Lease controller
 * reports a replica whose Pod has left as the leader again after it fails to re-acquire (the Lease still names it),
 * and a loss of leadership that arrives while the delegate's start is pending does not cancel that start. Here every
 * change of leader or members re-decides, under one lock, whether the delegate may run, and a pending start carries
 * the generation it was decided in: any later change makes it void.
 */
public class LeaderOnlyConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderOnlyConsumer.class);
    private static final long RETRY_START_MS = 1000;

    private final CamelClusterService clusterService;
    private final LeaderTerms terms;
    private final String group;
    private final Endpoint delegateEndpoint;
    /** The route's processor; each delegate gets it behind a {@link LeaderOnlyEndpoint.TermStamper} of its term. */
    private final Processor processor;
    private final Listener listener = new Listener();
    private final Object lock = new Object();

    private ScheduledExecutorService starter;
    private volatile CamelClusterView view;
    private Consumer delegate;
    private long generation;
    private boolean startPending;

    public LeaderOnlyConsumer(LeaderOnlyEndpoint endpoint, Processor processor, CamelClusterService clusterService,
                              LeaderTerms terms, String group) {
        super(endpoint, new LeaderOnlyEndpoint.RouteOwnedProcessor(processor));
        this.clusterService = clusterService;
        this.terms = terms;
        this.group = group;
        this.delegateEndpoint = endpoint.getEndpoint();
        this.processor = processor;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        starter = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadScheduledExecutor(this, "LeaderOnlyStart");
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        view = clusterService.getView(group);
        view.addEventListener(listener);
    }

    @Override
    protected void doStop() throws Exception {
        CamelClusterView stopping = view;
        if (stopping != null) {
            stopping.removeEventListener(listener);
        }
        synchronized (lock) {
            generation++;
            startPending = false;
            stopDelegate("route stopping");
        }
        if (stopping != null) {
            clusterService.releaseView(stopping);
            view = null;
        }
        getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(starter);
        super.doStop();
    }

    /** Whether this replica may act for the group now: it leads, and its Pod is a member. */
    private boolean mayLead() {
        return leadingTerm() != null;
    }

    /**
     * The term in which this replica may act for the group now, or null: it leads in the view, its Pod is a member,
     * and the group's current term is this replica's own.
     */
    private LeaderTerm leadingTerm() {
        CamelClusterView current = view;
        if (current == null || !isRunAllowed()) {
            return null;
        }
        CamelClusterMember local = current.getLocalMember();
        if (!local.isLeader() || current.getMembers().stream().noneMatch(m -> m.getId().equals(local.getId()))) {
            return null;
        }
        LeaderTerm term = terms.current(group);
        return term.local() && local.getId().equals(term.leader()) ? term : null;
    }

    private void decide() {
        synchronized (lock) {
            if (mayLead()) {
                if (delegate == null && !startPending) {
                    long decidedIn = ++generation;
                    startPending = true;
                    starter.execute(() -> startIfStillLeader(decidedIn));
                }
            } else {
                generation++;
                startPending = false;
                stopDelegate("leadership lost");
            }
        }
    }

    private void startIfStillLeader(long decidedIn) {
        synchronized (lock) {
            if (decidedIn != generation) {
                return;
            }
            startPending = false;
            LeaderTerm term = leadingTerm();
            if (term == null || delegate != null) {
                return;
            }
            try {
                delegate = delegateEndpoint.createConsumer(new LeaderOnlyEndpoint.TermStamper(processor, term));
                ServiceHelper.startService(delegateEndpoint, delegate);
                LOG.info("Leadership taken. Consumer started: {} (group {})", delegateEndpoint, group);
            } catch (Exception e) {
                delegate = null;
                getExceptionHandler().handleException("Leadership taken, but the consumer of " + delegateEndpoint
                                                      + " did not start; retrying in " + RETRY_START_MS + " ms", e);
                long retryIn = ++generation;
                startPending = true;
                starter.schedule(() -> startIfStillLeader(retryIn), RETRY_START_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Called with {@link #lock} held. */
    private void stopDelegate(String why) {
        if (delegate == null) {
            return;
        }
        try {
            ServiceHelper.stopAndShutdownServices(delegate, delegateEndpoint);
            LOG.info("Leadership lost. Consumer stopped: {} (group {}, {})", delegateEndpoint, group, why);
        } catch (Exception e) {
            getExceptionHandler().handleException("Could not stop the consumer of " + delegateEndpoint, e);
        } finally {
            delegate = null;
        }
    }

    /** Any change of leader or of members re-decides. */
    private final class Listener implements CamelClusterEventListener.Leadership, CamelClusterEventListener.Membership {

        @Override
        public void leadershipChanged(CamelClusterView view, CamelClusterMember leader) {
            decide();
        }

        @Override
        public void memberAdded(CamelClusterView view, CamelClusterMember member) {
            decide();
        }

        @Override
        public void memberRemoved(CamelClusterView view, CamelClusterMember member) {
            decide();
        }
    }
}
