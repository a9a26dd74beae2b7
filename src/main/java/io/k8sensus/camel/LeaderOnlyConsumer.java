package io.k8sensus.camel;

import io.k8sensus.elector.Clock;
import io.k8sensus.log.KeyValueLog;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Suspendable;
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
 * change of leader or members re-decides which term, if any, the delegate may run in; each decision that changes it
 * bumps a generation, and a start carries the generation it was decided in: any later change makes it void.
 * <p>
 * An election event never waits for a delegate: starts (which may connect to a slow server) and stops (a Kafka or JMS
 * consumer waits for its poll) run on this consumer's own thread, outside any lock the events take, so the delegates
 * of a group stop in parallel and a slow one holds up neither the election nor the other routes. A start made void
 * while it ran is stopped as soon as it returns. What keeps a delegate that has not stopped yet from acting is its
 * gate ({@link LeaderOnlyEndpoint.TermGate}): every exchange it offers is checked against the window of the term it
 * was started in, and refused once that window has closed. The election releases the Lease only once
 * {@link #pendingWork()} is 0: no delegate runs, starts or stops.
 * <p>
 * The consumer holds the group's view, and so the Lease (a view that no route holds any more stops and releases it),
 * until the route's last in-flight exchange has completed. It is {@link Suspendable} for that: Camel's graceful
 * shutdown (a context stop on SIGTERM, or a route stop) suspends a suspendable consumer, which stops the delegate so
 * that no new exchange starts, waits for the route's in-flight exchanges, and only then stops the consumer, which
 * releases the view. A consumer that is not suspendable is stopped before the in-flight exchanges are waited for.
 */
public class LeaderOnlyConsumer extends DefaultConsumer implements Suspendable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderOnlyConsumer.class);
    /** The election log, where a term's refused exchanges are counted. */
    private static final Logger ELECTION_LOG = LoggerFactory.getLogger("k8sensus.election");

    private static final long RETRY_START_MS = 1000;

    private final CamelClusterService clusterService;
    private final LeaderTerms terms;
    private final String group;
    private final Endpoint delegateEndpoint;
    /** The route's processor; each delegate gets it behind a {@link LeaderOnlyEndpoint.TermGate} of its term. */
    private final Processor processor;

    private final Listener listener = new Listener();
    private final Clock clock = Clock.system();

    private volatile CamelClusterView view;
    /** Whether the starter thread is inside a delegate's start, which a stopping route may interrupt. */
    private volatile boolean startUnderWay;

    /** Guards the fields below. Never held while a delegate starts or stops. */
    private final Object state = new Object();

    private ScheduledExecutorService starter;
    /** A start that failed is retried later; a stopping route cancels the retry instead of waiting for it. */
    private ScheduledFuture<?> retry;
    /** The term the delegate may run in, as last decided; null when it may not run. */
    private LeaderTerm allowed;
    /** Bumped by every decision that changes {@link #allowed}: a start decided in an older generation is void. */
    private long generation;
    /** The delegate that runs, with the gate of the term it was started in; null when none does. */
    private Delegate running;
    /** A start is queued or under way on the starter thread. */
    private boolean startRequested;
    /** Delegates taken from {@link #running} whose stop has not completed: no start begins before they stopped. */
    private int stopsUnderWay;

    public LeaderOnlyConsumer(
            LeaderOnlyEndpoint endpoint,
            Processor processor,
            CamelClusterService clusterService,
            LeaderTerms terms,
            String group) {
        super(endpoint, new LeaderOnlyEndpoint.RouteOwnedProcessor(processor));
        this.clusterService = clusterService;
        this.terms = terms;
        this.group = group;
        this.delegateEndpoint = endpoint.getEndpoint();
        this.processor = processor;
    }

    /** A delegate consumer and the gate its exchanges pass. */
    private record Delegate(Consumer consumer, LeaderOnlyEndpoint.TermGate gate) {}

    /** The election group whose leader runs this consumer's delegate. */
    public String group() {
        return group;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        synchronized (state) {
            starter = getEndpoint()
                    .getCamelContext()
                    .getExecutorServiceManager()
                    .newSingleThreadScheduledExecutor(this, "LeaderOnlyStart");
        }
        view = clusterService.getView(group);
        // the view tells the new listener its current leader and members: the first decision
        view.addEventListener(listener);
    }

    @Override
    protected void doStop() throws Exception {
        CamelClusterView stopping = view;
        if (stopping != null) {
            // also waits for an event being delivered, and so for the stop it may be making
            stopping.removeEventListener(listener);
        }
        standDown("route stopping");
        stopStarter();
        if (stopping != null) {
            clusterService.releaseView(stopping);
            view = null;
        }
        super.doStop();
    }

    /**
     * The first step of a graceful shutdown (or a route suspension): the delegate stops, no new exchange starts, and
     * the view, with the Lease, stays held while the route's in-flight exchanges complete.
     */
    @Override
    protected void doSuspend() throws Exception {
        standDown("route stopping");
        super.doSuspend();
    }

    @Override
    protected void doResume() throws Exception {
        super.doResume();
        decide();
    }

    /**
     * The term in which this replica may act for the group now, or null: the route runs (neither suspended nor
     * stopping), this replica leads in the view, its Pod is a member, and the group's current term is its own.
     */
    private LeaderTerm leadingTerm() {
        CamelClusterView current = view;
        if (current == null || !isStartingOrStarted()) {
            return null;
        }
        CamelClusterMember local = current.getLocalMember();
        if (!local.isLeader()
                || current.getMembers().stream().noneMatch(m -> m.getId().equals(local.getId()))) {
            return null;
        }
        LeaderTerm term = terms.current(group);
        return term.local() && local.getId().equals(term.leader()) ? term : null;
    }

    /**
     * Re-decides after a change of leader or members: stops the delegate on this thread if it may no longer run in
     * its term, and asks the starter thread for a delegate if one may run. Never waits for a start.
     */
    private void decide() {
        Delegate toStop;
        synchronized (state) {
            LeaderTerm term = leadingTerm();
            if (!Objects.equals(term, allowed)) {
                allowed = term;
                generation++;
            }
            toStop = takeRunningIfNotIn(allowed);
            if (toStop != null && starter != null) {
                try {
                    starter.execute(() -> stopDelegate(toStop, "leadership lost"));
                    return; // whoever stops a delegate asks for a start once it stopped
                } catch (RejectedExecutionException e) {
                    // the route is stopping: stop it on this thread
                }
            }
        }
        if (toStop != null) {
            stopDelegate(toStop, "leadership lost");
        }
        requestStart();
    }

    /**
     * What this consumer still has under way for the group: 1 while a delegate runs, starts, or has not completed its
     * stop, 0 otherwise. The election hands the Lease over only once every consumer of the group has none, and no
     * exchange is in flight.
     */
    public int pendingWork() {
        synchronized (state) {
            return running != null || startRequested || stopsUnderWay > 0 ? 1 : 0;
        }
    }

    /**
     * The route stops or is suspended: no delegate may run any more; the one that runs stops now, a start under way
     * is void.
     */
    private void standDown(String why) {
        Delegate toStop;
        synchronized (state) {
            allowed = null;
            generation++;
            toStop = takeRunningIfNotIn(null);
        }
        if (toStop != null) {
            stopDelegate(toStop, why);
        }
        synchronized (state) {
            // a stop made by an election event or for a void start: the route is not stopped before it completed
            boolean interrupted = false;
            while (stopsUnderWay > 0) {
                try {
                    state.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Called with {@link #state} held: takes the running delegate if it was not started in {@code term}. */
    private Delegate takeRunningIfNotIn(LeaderTerm term) {
        if (running == null || Objects.equals(running.gate().term(), term)) {
            return null;
        }
        Delegate taken = running;
        running = null;
        stopsUnderWay++;
        return taken;
    }

    /** Has the starter thread start a delegate if one may run and none runs, starts or stops. */
    private void requestStart() {
        synchronized (state) {
            if (allowed == null || running != null || startRequested || stopsUnderWay > 0 || starter == null) {
                return;
            }
            startRequested = true;
            try {
                starter.execute(this::startAllowed);
            } catch (RejectedExecutionException e) {
                startRequested = false; // the route is stopping
            }
        }
    }

    /** On the starter thread: starts a delegate in the allowed term, until one runs in it or none may. */
    private void startAllowed() {
        while (true) {
            LeaderTerm term;
            long decidedIn;
            synchronized (state) {
                if (allowed == null || running != null || stopsUnderWay > 0) {
                    // whoever stops a delegate asks for a start once it stopped
                    startRequested = false;
                    return;
                }
                term = allowed;
                decidedIn = generation;
            }
            Delegate started;
            try {
                startUnderWay = true;
                LeaderOnlyEndpoint.TermGate gate = new LeaderOnlyEndpoint.TermGate(processor, term, terms, clock);
                started = new Delegate(delegateEndpoint.createConsumer(gate), gate);
                ServiceHelper.startService(delegateEndpoint, started.consumer());
            } catch (Exception e) {
                synchronized (state) {
                    if (decidedIn != generation) {
                        LOG.debug("A void start of the consumer of {} failed", delegateEndpoint, e);
                        continue; // void anyway: decide on the latest term
                    }
                    startRequested = false;
                }
                getExceptionHandler()
                        .handleException(
                                "Leadership taken, but the consumer of " + delegateEndpoint
                                        + " did not start; retrying in " + RETRY_START_MS + " ms",
                                e);
                retryStartLater();
                return;
            } finally {
                startUnderWay = false;
            }
            boolean stillAllowed;
            synchronized (state) {
                stillAllowed = decidedIn == generation;
                if (stillAllowed) {
                    running = started;
                    startRequested = false;
                } else {
                    stopsUnderWay++;
                }
            }
            if (stillAllowed) {
                LOG.info("Leadership taken. Consumer started: {} (group {})", delegateEndpoint, group);
                return;
            }
            // made void while it started: it must not run, whatever comes next
            Thread.interrupted(); // a stopping route may have interrupted the start; let the stop complete
            stopDelegate(started, "start made void by a later election event");
        }
    }

    private void retryStartLater() {
        synchronized (state) {
            if (starter == null) {
                return;
            }
            try {
                retry = starter.schedule(this::requestStart, RETRY_START_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the route is stopping
            }
        }
    }

    /**
     * Stops a delegate taken from {@link #running} (or whose start was made void), on the calling thread, says how
     * many exchanges its gate refused in its term, and asks for a start if one may run now.
     */
    private void stopDelegate(Delegate delegate, String why) {
        try {
            ServiceHelper.stopAndShutdownServices(delegate.consumer(), delegateEndpoint);
            LOG.info("Leadership lost. Consumer stopped: {} (group {}, {})", delegateEndpoint, group, why);
        } catch (Exception e) {
            getExceptionHandler().handleException("Could not stop the consumer of " + delegateEndpoint, e);
        } finally {
            long refused = delegate.gate().refused();
            if (refused > 0) {
                KeyValueLog.warn(
                        ELECTION_LOG,
                        "event=exchange-refused group={} pod={} epoch={} count={} route={}: exchanges"
                                + " offered after the term's window closed ran no step (a transacted delegate rolled them back)",
                        group,
                        delegate.gate().term().leader(),
                        delegate.gate().term().epoch(),
                        refused,
                        getRouteId());
            }
            synchronized (state) {
                stopsUnderWay--;
                state.notifyAll();
            }
        }
        requestStart();
    }

    /**
     * Shuts the starter thread down. A start that hangs is interrupted; the route waits for it at most the graceful
     * shutdown timeout, and the starter thread stops the delegate as soon as that start returns, however late.
     */
    private void stopStarter() throws InterruptedException {
        ScheduledExecutorService stopping;
        synchronized (state) {
            stopping = starter;
            starter = null;
            if (retry != null) {
                retry.cancel(false);
                retry = null;
            }
        }
        if (stopping == null) {
            return;
        }
        if (startUnderWay) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownNow(stopping);
        } else {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(stopping);
        }
        long timeoutMs = getEndpoint()
                .getCamelContext()
                .getShutdownStrategy()
                .getTimeUnit()
                .toMillis(getEndpoint().getCamelContext().getShutdownStrategy().getTimeout());
        if (!stopping.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
            LOG.warn(
                    "The consumer of {} (group {}) is still starting after {} ms; it will be stopped as soon as its"
                            + " start returns",
                    delegateEndpoint,
                    group,
                    timeoutMs);
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
