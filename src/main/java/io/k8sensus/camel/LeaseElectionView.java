package io.k8sensus.camel;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.elector.Answer;
import io.k8sensus.elector.Balancer;
import io.k8sensus.elector.Clock;
import io.k8sensus.elector.Elector;
import io.k8sensus.elector.GroupTurn;
import io.k8sensus.elector.Handover;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;
import io.k8sensus.kube.CandidatePods;
import io.k8sensus.kube.KubeLeaseStore;
import io.k8sensus.kube.LeaseWatch;
import io.k8sensus.kube.RunnerMarks;
import io.k8sensus.log.KeyValueLog;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.cluster.CamelClusterEventListener;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterView;
import org.apache.camel.component.kubernetes.cluster.lock.KubernetesLockConfiguration;
import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * k8sensus's election of one group as a Camel cluster view (so {@code master:} routes use it unchanged): it drives the
 * decision core ({@link Elector}) with fabric8 I/O ({@link KubeLeaseStore}, {@link LeaseWatch}, {@link CandidatePods})
 * and the system's monotonic clock, and tells Camel's listeners when the leader changes.
 * <p>
 * Threads: one loop thread per group asks the elector what to do and makes the request (blocking, bounded by the call
 * timeout), except a renewal, which a renewal timer of its own asks for when it is due and hands to a renewal thread,
 * so that renewals go out every retry period however long the earlier ones take (each is conditioned on the term, not
 * on the version: they need not wait for each other) and whatever blocks the loop (a list of the Pods, a read);
 * the watches' threads hand it what they delivered; a timer ends (or suspends) the term at the renew deadline even
 * while the loop thread is blocked in a call. Every call to the elector happens under this view's lock, and so does the
 * update of the term's window in {@link LeaderTerms}, which every leader-only exchange checks. Nothing that can block
 * runs under that lock: Camel's listeners are told of a change on a notifier thread of their own, in order, each
 * behind a guard. A listener that throws is logged and the others still hear; one that blocks delays the view's later
 * events, but neither the election nor the end of the work, which every exchange's gate enforces on its own.
 */
public class LeaseElectionView extends KubernetesClusterView {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseElectionView.class);
    /** The election log, where the balancing events go beside the elector's. */
    private static final Logger ELECTION_LOG = LoggerFactory.getLogger("k8sensus.election");
    /** On stop, the requests made at most to hand the Lease back (a release, and a read and a release on a conflict). */
    private static final int FINAL_REQUESTS = 5;

    private final ElectionSettings settings;
    private final LeaderTerms terms;
    private final LeaseClusterService service;
    private final String namespace;
    private final String leaseName;
    private final ClusterMember local;
    private final Map<String, ClusterMember> memberCache = new ConcurrentHashMap<>();
    private final Clock clock = Clock.system();
    private final Elector elector;

    private volatile ClusterMember leader;
    private volatile long leaderEpoch = LeaderTerm.UNKNOWN_EPOCH;
    /** When the loop last made progress (a turn began, or the elector answered it), on {@link #clock}. */
    private volatile long progressAt;
    /** The renew deadline of this replica's term while this view names it the leader; MIN_VALUE otherwise. */
    private volatile long leadingUntil = Long.MIN_VALUE;

    private volatile List<CamelClusterMember> members = List.of();

    private ScheduledExecutorService loop;
    private ScheduledExecutorService deadlineTimer;
    /** Makes the renewals, several at once when answers are slow (at most the elector's cap, about R / retry period). */
    private ExecutorService renewals;
    /** Asks the elector for a renewal when one is due, so that nothing the loop waits for delays it. */
    private ScheduledExecutorService renewTimer;

    private ScheduledFuture<?> renewTask;
    private long renewScheduledFor = Long.MIN_VALUE;
    /** Tells Camel's listeners and the observer of every change, in order, off the view's lock. */
    private ExecutorService notifier;
    /** The listeners as added, and the guard each one was added behind. */
    private final Map<CamelClusterEventListener, GuardedListener> guarded = new ConcurrentHashMap<>();

    private CandidatePods candidatePods;
    private LeaseWatch leaseWatch;
    private KubeLeaseStore store;
    /** This view's mark on the group's Lease (null: balancing off, no marks); written off the informer's thread. */
    private RunnerMarks runnerMarks;

    private volatile long markAskedAt = Long.MIN_VALUE;
    /** A look at the mark is scheduled for the end of the retry period of the last one written. */
    private volatile boolean markLater;
    /** The group's Lease as its watch last delivered it (null: none yet, or deleted). */
    private volatile Lease lastDelivered;
    /** Whether the Lease last delivered asks this replica to step down (said once per request). */
    private boolean stepDownAsked;

    private final Runnable wakeUp = this::wake;
    /** The next run of the loop; only the loop's thread touches it. */
    private ScheduledFuture<?> nextRun;

    private ScheduledFuture<?> deadlineTask;
    private long deadlineScheduledFor = Long.MIN_VALUE;
    /** The elector, the group's handover and the replica's balancer, turned as the simulations turn them. */
    private final GroupTurn turn;

    /**
     * The view of the group of {@code lock}, as {@link LeaseClusterService} makes it: Camel's view of that group, whose
     * Lease controller k8sensus's elector replaces ({@link #doStart()}).
     */
    LeaseElectionView(
            LeaseClusterService service, KubernetesConfiguration configuration, KubernetesLockConfiguration lock) {
        super(service.getCamelContext(), service, configuration, lock);
        String group = lock.getGroupName();
        this.service = service;
        this.settings = service.settings();
        this.terms = service.terms();
        this.namespace = lock.getKubernetesResourcesNamespace();
        this.leaseName = settings.leaseName(group);
        this.local = new ClusterMember(settings.podName(), true, () -> leads(settings.podName()));
        Timings timings = settings.timings();
        ElectorLog log = new ElectorLog(
                group,
                leaseName,
                settings.podName(),
                () -> candidatePods.whyNot(settings.podName()),
                () -> candidatePods.describe());
        this.elector = new Elector(
                settings.podName(), timings, () -> ThreadLocalRandom.current().nextDouble(), log::log);
        this.turn = new GroupTurn(group, elector, service.balancer());
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

    /**
     * A view of Camel's Kubernetes cluster service may be disabled by hand (Camel's
     * {@code RebalancingCamelClusterService} does so to spread the groups); k8sensus spreads them itself
     * ({@value ElectionSettings#KEY_BALANCE}) and takes a replica out of the election by its Pod's labels, so a view is
     * never disabled: asked to be, it refuses.
     */
    @Override
    public void setDisabled(boolean disabled) {
        if (disabled) {
            throw new UnsupportedOperationException("Group " + getNamespace() + ": k8sensus does not disable a view;"
                    + " it spreads the groups itself (" + ElectionSettings.KEY_BALANCE + ") and a replica leaves the"
                    + " election when its Pod stops matching " + ElectionSettings.KEY_LABELS);
        }
    }

    @Override
    public boolean isDisabled() {
        return false;
    }

    @Override
    protected void doStart() {
        store = new KubeLeaseStore(service.client(), service.connectivityLog(), namespace, leaseName);
        runnerMarks =
                settings.balance() ? new RunnerMarks(service.client(), namespace, leaseName, settings.podName()) : null;
        candidatePods = service.candidatePods();
        progressAt = clock.nanos();
        ScheduledThreadPoolExecutor loopExecutor =
                new ScheduledThreadPoolExecutor(1, daemon("k8sensus-election-" + getNamespace()));
        // on stop, the turn at work ends its request (a release, when the context's stop began it) and the turns
        // scheduled after it are dropped
        loopExecutor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        loop = loopExecutor;
        deadlineTimer = Executors.newSingleThreadScheduledExecutor(daemon("k8sensus-deadline-" + getNamespace()));
        renewals = Executors.newCachedThreadPool(daemon("k8sensus-renew-" + getNamespace()));
        renewTimer = Executors.newSingleThreadScheduledExecutor(daemon("k8sensus-renew-timer-" + getNamespace()));
        notifier = Executors.newSingleThreadExecutor(daemon("k8sensus-events-" + getNamespace()));
        leaseWatch = new LeaseWatch(
                service.watchClient(), namespace, leaseName, local.getId(), service.connectivityLog(), this::delivered);
        candidatePods.onChange(wakeUp);
        leaseWatch.start();
        loop.execute(this::run);
    }

    /** The watch delivered the Lease (null: deleted). */
    private void delivered(Lease lease) {
        synchronized (this) {
            long now = clock.nanos();
            if (lease != null) {
                turn.onRunners(RunnerMarks.of(lease), RunnerMarks.leadsOf(lease), now);
            }
            turn.onLease(store.record(lease), now);
            boolean stepDown = KubeLeaseStore.stepDownAsked(lease, local.getId()) && elector.leads();
            if (stepDown && !stepDownAsked) {
                KeyValueLog.info(
                        ELECTION_LOG,
                        "event=step-down-asked group={} pod={} epoch={} lease={}: handing the"
                                + " group over once another candidate can take it{}",
                        getNamespace(),
                        local.getId(),
                        elector.epoch(),
                        leaseName,
                        elector.anotherCandidate() ? "" : " (none is known yet)");
            }
            stepDownAsked = stepDown;
            turn.onStepDownAsked(stepDown);
            lastDelivered = lease;
            publish();
        }
        wake();
    }

    /**
     * Marks the Lease last delivered as run here if it lacks this run's mark, or if the mark does not say what the
     * balancer now says this replica leads (see {@code Balancer#leadsToSay}).
     */
    void markIfStale() {
        Lease lease = lastDelivered;
        if (lease != null
                && runnerMarks != null
                && !runnerMarks.on(lease, turn.balancer().leadsToSay(clock.nanos()))) {
            markSoon();
        }
    }

    /**
     * Puts this view's mark on the group's Lease, on the loop's thread, at most once per retry period: asked again
     * within one, it looks again when the period is over (and the next delivery of the Lease without it asks again).
     */
    private void markSoon() {
        long now = clock.nanos();
        long retry = TimeUnit.MILLISECONDS.toNanos(settings.retryPeriodMs());
        if (markAskedAt != Long.MIN_VALUE && now - markAskedAt < retry) {
            if (!markLater) {
                markLater = true;
                try {
                    loop.schedule(
                            () -> {
                                markLater = false;
                                markIfStale();
                            },
                            markAskedAt + retry - now,
                            TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // stopping
                }
            }
            return;
        }
        markAskedAt = now;
        try {
            loop.execute(() -> {
                try {
                    OptionalInt leads;
                    synchronized (this) {
                        leads = turn.balancer().leadsToSay(clock.nanos());
                    }
                    runnerMarks.put(leads);
                } catch (RuntimeException e) {
                    LOG.debug(
                            "Group {}: the Lease could not be marked as run by {} (asked again at its next delivery)",
                            getNamespace(),
                            local.getId(),
                            e);
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    /** The context begins its graceful shutdown: this group's term is released once its own work is done. */
    void contextStopping() {
        synchronized (this) {
            turn.onStopping();
        }
        wake();
    }

    /** Runs the loop now instead of at its scheduled time. */
    private void wake() {
        try {
            loop.execute(() -> {
                if (nextRun != null && nextRun.cancel(false)) {
                    run();
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: nothing more to decide
        }
    }

    /** One turn of the loop: tell the elector what is new, make the requests it asks for, then sleep until it says. */
    private void run() {
        try {
            progressAt = clock.nanos();
            Set<String> candidates = candidates();
            synchronized (this) {
                long now = clock.nanos();
                turn.onWatch(leaseWatch.watching());
                if (candidates != null) {
                    turn.onCandidates(candidates, now);
                }
            }
            turnUntilIdle(() -> !loop.isShutdown(), Integer.MAX_VALUE);
        } catch (RuntimeException e) {
            LOG.warn("Election step of group {} failed", getNamespace(), e);
        } finally {
            if (!loop.isShutdown()) {
                long delay;
                synchronized (this) {
                    long now = clock.nanos();
                    delay = Math.max(0, turn.nextStepAt(now) - now);
                }
                try {
                    nextRun = loop.schedule(this::run, delay, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // stopping
                }
            }
        }
    }

    /**
     * Turns the group until it has nothing to send, {@code goOn} says stop, or {@code maxRequests} were made: a step
     * under the view's lock, the request outside it, its answer under the lock again.
     */
    private void turnUntilIdle(BooleanSupplier goOn, int maxRequests) {
        for (int made = 0; made < maxRequests && goOn.getAsBoolean(); made++) {
            LeaseRequest request;
            synchronized (this) {
                GroupTurn.Turn step = turn.step(clock.nanos(), this::workInFlight);
                logHandover(step.handover());
                request = step.request();
                publish();
            }
            progressAt = clock.nanos();
            if (request == null) {
                return;
            }
            if (request instanceof LeaseRequest.Renew) {
                renew(request); // on a renewal thread: renewals do not wait for each other, nor for the loop
                continue;
            }
            Answer answer = perform(request);
            synchronized (this) {
                turn.onAnswer(request, answer, clock.nanos());
                publish();
            }
            progressAt = clock.nanos();
        }
    }

    /** The renewal timer: sends the renewal that is due, if the elector still has one. */
    private void renewalDue() {
        LeaseRequest request;
        synchronized (this) {
            request = turn.renewal(clock.nanos());
            publish();
        }
        if (request != null) {
            renew(request);
        }
    }

    /** Makes a renewal on a renewal thread; its answer is handed to the elector there, and wakes the loop. */
    private void renew(LeaseRequest request) {
        try {
            renewals.execute(() -> {
                Answer answer = perform(request);
                synchronized (this) {
                    turn.onAnswer(request, answer, clock.nanos());
                    publish();
                }
                progressAt = clock.nanos();
                wake();
            });
        } catch (RejectedExecutionException e) {
            synchronized (this) { // stopping
                turn.onAnswer(request, new Answer.Failed("stopping"), clock.nanos());
                publish();
            }
        }
    }

    /** Logs what a turn of the group's {@link Handover} did. */
    private void logHandover(Handover.Step step) {
        Handover handover = turn.handover();
        Handover.Cause cause = handover.cause();
        if (step == Handover.Step.STARTED && cause == Handover.Cause.BALANCE) {
            Balancer.Move move = handover.move();
            KeyValueLog.info(
                    ELECTION_LOG,
                    "event=balancing group={} pod={} epoch={} leads={} fewest={} to={}: stopping the"
                            + " group's routes, then releasing the Lease",
                    getNamespace(),
                    local.getId(),
                    elector.epoch(),
                    move.leads(),
                    move.fewest(),
                    String.join(",", move.to()));
        } else if (step == Handover.Step.STARTED) {
            KeyValueLog.info(
                    ELECTION_LOG,
                    "event=draining group={} pod={} epoch={} cause={}: stopping the group's routes;"
                            + " the Lease is released once their work is done",
                    getNamespace(),
                    local.getId(),
                    elector.epoch(),
                    cause == Handover.Cause.LEFT
                            ? "not-a-candidate"
                            : cause == Handover.Cause.REQUESTED ? "step-down" : "shutdown");
        } else if (step == Handover.Step.CANCELLED && cause == Handover.Cause.BALANCE) {
            KeyValueLog.info(
                    ELECTION_LOG,
                    "event=balancing-cancelled group={} pod={} epoch={}: the groups are even without this"
                            + " move; the group stays here and its routes start again",
                    getNamespace(),
                    local.getId(),
                    elector.epoch());
        } else if (step == Handover.Step.CANCELLED) {
            KeyValueLog.info(
                    ELECTION_LOG,
                    "event=draining-cancelled group={} pod={} epoch={}: {}; the group stays here"
                            + " and its routes start again",
                    getNamespace(),
                    local.getId(),
                    elector.epoch(),
                    cause == Handover.Cause.REQUESTED
                            ? "the request to step down was withdrawn"
                            : "this Pod is a candidate again");
        } else if (step == Handover.Step.RELEASING_WITH_WORK) {
            KeyValueLog.warn(
                    ELECTION_LOG,
                    "event=released-with-work-in-flight group={} pod={} epoch={} work={}: {} and the"
                            + " group's work did not complete within {} ms; it finishes under epoch {}, which a fence refuses"
                            + " once the next term acts",
                    getNamespace(),
                    local.getId(),
                    elector.epoch(),
                    handover.workLeft(),
                    cause == Handover.Cause.REQUESTED ? "asked to step down" : "this Pod is no candidate",
                    settings.leaseDurationMs(),
                    elector.epoch());
        } else if (step == Handover.Step.ABANDONED) {
            KeyValueLog.warn(
                    ELECTION_LOG,
                    "event=balancing-abandoned group={} pod={} epoch={}: the group's exchanges did not"
                            + " complete within {} ms; it stays here and its routes start again",
                    getNamespace(),
                    local.getId(),
                    elector.epoch(),
                    settings.leaseDurationMs());
        }
    }

    /**
     * The work of this group's term still under way on this replica: the exchanges in flight in the routes of its
     * leader-only consumers, and each consumer whose delegate runs, starts or has not completed its stop.
     */
    private int workInFlight() {
        CamelContext context = service.getCamelContext();
        int count = 0;
        for (Route route : context.getRoutes()) {
            if (route.getConsumer() instanceof LeaderOnlyConsumer consumer
                    && consumer.group().equals(getNamespace())) {
                count += context.getInflightRepository().size(route.getRouteId()) + consumer.pendingWork();
            }
        }
        return count;
    }

    /** Makes one request, and tells the observer how it went and how long it took. */
    private Answer perform(LeaseRequest request) {
        long sent = clock.nanos();
        Answer answer = store.perform(request);
        service.observer().answered(getNamespace(), request, answer, clock.nanos() - sent);
        return answer;
    }

    /** The candidates now, or null when they cannot be listed (the API is unreachable: it says so itself). */
    private Set<String> candidates() {
        try {
            Set<String> names = candidatePods.names();
            updateMembers(names);
            return names;
        } catch (RuntimeException e) {
            service.connectivityLog().failed(service.client(), e);
            return null;
        }
    }

    @Override
    protected void doStop() throws Exception {
        candidatePods.removeListener(wakeUp);
        leaseWatch.close();
        // not shutdownNow: an interrupt would cut off the request of the turn at work, the release among them
        loop.shutdown();
        if (!loop.awaitTermination(settings.callTimeoutMs() + 1000, TimeUnit.MILLISECONDS)) {
            loop.shutdownNow();
        }
        renewTimer.shutdownNow();
        renewals.shutdownNow(); // a renewal that lands meanwhile makes the release conflict once: it reads and releases
        deadlineTimer.shutdownNow();
        terms.close(getNamespace());
        // the routes of this group have stopped (the view stops when its last user releases it): hand the Lease back
        // on this thread, so that the context does not stop before it is done
        synchronized (this) {
            turn.stop(clock.nanos(), settings.releaseOnShutdown());
            publish();
        }
        turnUntilIdle(() -> true, FINAL_REQUESTS);
        if (runnerMarks != null) {
            try {
                runnerMarks.remove(); // after the release, which writes the Lease as last seen, mark included
            } catch (RuntimeException e) {
                LOG.debug(
                        "Group {}: the mark of {} could not be taken off the Lease", getNamespace(), local.getId(), e);
            }
        }
        synchronized (this) {
            turn.leave(); // a renewal answered after this still reaches the elector, no longer the balancer
        }
        notifier.shutdown();
        if (!notifier.awaitTermination(settings.callTimeoutMs(), TimeUnit.MILLISECONDS)) {
            LOG.warn(
                    "A listener of group {} still handles an election event; the view stops without waiting for it",
                    getNamespace());
        }
    }

    /**
     * Keeps the term's window in {@link LeaderTerms} on what the elector says, tells Camel's listeners (on the notifier
     * thread) when the leader or its epoch changed, and keeps the deadline timer on the term's renew deadline. Called
     * under the view's lock after every call to the elector; it never blocks.
     */
    private void publish() {
        // a group being handed over has no leader here any more: its routes stop while the term ends its work
        String leaderId = turn.routesLeader();
        turn.reportLeader(clock.nanos());
        if (runnerMarks != null) {
            service.leadsToSay(turn.balancer().leadsToSay(clock.nanos()));
            markIfStale();
        }
        for (Balancer.Refusal refusal : turn.balancer().takeRefusals()) {
            KeyValueLog.warn(
                    ELECTION_LOG,
                    "event=balancing-refused group={} pod={} target={}: the target was handed the"
                            + " group and did not take it; it is not offered this group again until it runs it anew or its Pod is"
                            + " replaced",
                    refusal.group(),
                    local.getId(),
                    refusal.target());
        }
        long epoch = elector.epoch();
        ClusterMember newLeader = leaderId == null ? null : member(leaderId);
        long until = turn.routesMayActUntil();
        leadingUntil = newLeader == local ? until : Long.MIN_VALUE;
        if (leadingUntil != Long.MIN_VALUE) {
            terms.open(getNamespace(), epoch, leadingUntil);
        } else {
            terms.close(getNamespace());
        }
        if (newLeader != leader || epoch != leaderEpoch) {
            leader = newLeader;
            leaderEpoch = epoch;
            terms.update(
                    newLeader == null
                            ? LeaderTerm.none(getNamespace())
                            : new LeaderTerm(getNamespace(), newLeader.getId(), epoch, newLeader == local));
            notify(() -> {
                service.observer().leaderChanged(getNamespace(), leaderId, epoch, newLeader == local);
                fireLeadershipChangedEvent(newLeader);
            });
        }
        long due = turn.renewalDueAt();
        if (due != Long.MAX_VALUE
                && renewTimer != null
                && !renewTimer.isShutdown()
                && (due != renewScheduledFor || renewTask == null || renewTask.isDone())) {
            if (renewTask != null) {
                renewTask.cancel(false);
            }
            renewScheduledFor = due;
            renewTask = renewTimer.schedule(this::renewalDue, Math.max(0, due - clock.nanos()), TimeUnit.NANOSECONDS);
        }
        if (until != Long.MIN_VALUE && until != deadlineScheduledFor && !deadlineTimer.isShutdown()) {
            if (deadlineTask != null) {
                deadlineTask.cancel(false);
            }
            deadlineScheduledFor = until;
            deadlineTask = deadlineTimer.schedule(this::deadlineReached, until - clock.nanos(), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Why this group's election is stuck, if it is; read without the view's lock (a thread stuck holding it is one
     * of the causes). Two signs: the loop has made no progress for longer than one call and two steps can take (the
     * call timeout + 2 retry periods x jitter + 1 s), or this view still names this replica the leader a retry
     * period after its renew deadline (the timer that ends the term did not run, and the group's routes may still
     * be acting).
     */
    public Optional<String> stuck() {
        if (!isRunAllowed() || loop == null) {
            return Optional.empty();
        }
        long now = clock.nanos();
        long limitMs = settings.callTimeoutMs() + (long) (2 * settings.retryPeriodMs() * settings.jitter()) + 1000;
        long silentMs = (now - progressAt) / 1_000_000;
        if (silentMs > limitMs) {
            return Optional.of("the election loop of group " + getNamespace() + " has made no progress for " + silentMs
                    + " ms (limit " + limitMs + " ms)");
        }
        long until = leadingUntil;
        long pastMs = until == Long.MIN_VALUE ? 0 : (now - until) / 1_000_000;
        if (leader == local && pastMs > settings.retryPeriodMs()) {
            return Optional.of(
                    "this replica still leads group " + getNamespace() + " " + pastMs + " ms after its renew deadline");
        }
        return Optional.empty();
    }

    /** The renew deadline came: the elector ends the term unless a renewal moved it meanwhile. */
    private synchronized void deadlineReached() {
        turn.onDeadline(clock.nanos());
        publish();
    }

    private void updateMembers(Set<String> names) {
        Set<String> old = members.stream().map(CamelClusterMember::getId).collect(Collectors.toSet());
        if (old.equals(names)) {
            return;
        }
        members = names.stream()
                .map(this::member)
                .map(CamelClusterMember.class::cast)
                .toList();
        Set<String> added = new HashSet<>(names);
        added.removeAll(old);
        Set<String> removed = new HashSet<>(old);
        removed.removeAll(names);
        notify(() -> {
            added.forEach(id -> fireMemberAddedEvent(member(id)));
            removed.forEach(id -> fireMemberRemovedEvent(member(id)));
        });
    }

    /** Runs {@code event} on the notifier thread, after the events before it. */
    private void notify(Runnable event) {
        try {
            notifier.execute(() -> {
                try {
                    event.run();
                } catch (RuntimeException e) {
                    LOG.warn("An observer of group {}'s election failed: {}", getNamespace(), e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            // stopped: nobody listens any more
        }
    }

    /**
     * Each listener is added behind a guard: one that throws is logged in one line and the others still hear of the
     * change (Camel's view stops at the first listener that throws).
     */
    @Override
    public void addEventListener(CamelClusterEventListener listener) {
        if (listener == null) {
            return;
        }
        GuardedListener guard = new GuardedListener(listener);
        guarded.put(listener, guard);
        super.addEventListener(guard);
    }

    @Override
    public void removeEventListener(CamelClusterEventListener listener) {
        if (listener == null) {
            return;
        }
        GuardedListener guard = guarded.remove(listener);
        super.removeEventListener(guard != null ? guard : listener);
    }

    private final class GuardedListener
            implements CamelClusterEventListener.Leadership, CamelClusterEventListener.Membership {

        private final CamelClusterEventListener listener;

        GuardedListener(CamelClusterEventListener listener) {
            this.listener = listener;
        }

        @Override
        public void leadershipChanged(CamelClusterView view, CamelClusterMember leader) {
            if (listener instanceof CamelClusterEventListener.Leadership l) {
                guard(() -> l.leadershipChanged(view, leader));
            }
        }

        @Override
        public void memberAdded(CamelClusterView view, CamelClusterMember member) {
            if (listener instanceof CamelClusterEventListener.Membership l) {
                guard(() -> l.memberAdded(view, member));
            }
        }

        @Override
        public void memberRemoved(CamelClusterView view, CamelClusterMember member) {
            if (listener instanceof CamelClusterEventListener.Membership l) {
                guard(() -> l.memberRemoved(view, member));
            }
        }

        private void guard(Runnable call) {
            try {
                call.run();
            } catch (RuntimeException e) {
                KeyValueLog.warn(
                        ELECTION_LOG,
                        "event=listener-failed group={} pod={} listener={} reason=\"{}\"",
                        getNamespace(),
                        local.getId(),
                        listener.getClass().getName(),
                        e.toString());
            }
        }
    }

    private ClusterMember member(String id) {
        return id.equals(local.getId())
                ? local
                : memberCache.computeIfAbsent(id, name -> new ClusterMember(name, false, () -> leads(name)));
    }

    /** Whether this view names {@code id} the leader now. */
    private boolean leads(String id) {
        ClusterMember current = leader;
        return current != null && current.getId().equals(id);
    }

    /** Camel's thread factory: the election's threads are named as Camel names its own, and are daemons. */
    private static ThreadFactory daemon(String name) {
        return new CamelThreadFactory("#name#", name, true);
    }
}
