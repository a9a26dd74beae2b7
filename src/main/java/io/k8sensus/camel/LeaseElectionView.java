package io.k8sensus.camel;

import io.k8sensus.config.ElectionSettings;
import io.k8sensus.kube.CandidatePods;
import io.k8sensus.kube.KubeLeaseStore;
import io.k8sensus.kube.LeaseWatch;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.elector.Answer;
import io.k8sensus.elector.Balancer;
import io.k8sensus.log.KeyValueLog;
import io.k8sensus.elector.Clock;
import io.k8sensus.elector.Elector;
import io.k8sensus.elector.Handover;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * k8sensus's election of one group as a Camel cluster view (so {@code master:} routes use it unchanged): it drives the
 * decision core ({@link Elector}) with fabric8 I/O ({@link KubeLeaseStore}, {@link LeaseWatch}, {@link CandidatePods})
 * and the system's monotonic clock, and tells Camel's listeners when the leader changes.
 * <p>
 * Threads: one loop thread per group asks the elector what to do and makes the request (blocking, bounded by the call
 * timeout); the watches' threads hand it what they delivered; a timer ends the term at the renew deadline even while
 * the loop thread is blocked in a call. Every call to the elector, and every leadership event to Camel, happens under
 * this view's lock, so they are seen in order.
 */
public class LeaseElectionView extends AbstractCamelClusterView {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseElectionView.class);
    /** The election log, where the balancing events go beside the elector's. */
    private static final Logger ELECTION_LOG = LoggerFactory.getLogger("k8sensus.election");

    private final ElectionSettings settings;
    private final LeaderTerms terms;
    private final LeaseClusterService service;
    private final String namespace;
    private final String leaseName;
    private final Member local;
    private final Map<String, Member> memberCache = new ConcurrentHashMap<>();
    private final Clock clock = Clock.system();
    private final Elector elector;

    private volatile Member leader;
    private volatile long leaderEpoch = LeaderTerm.UNKNOWN_EPOCH;
    /** When the loop last made progress (a turn began, or the elector answered it), on {@link #clock}. */
    private volatile long progressAt;
    /** The renew deadline of this replica's term while this view names it the leader; MIN_VALUE otherwise. */
    private volatile long leadingUntil = Long.MIN_VALUE;
    private volatile List<CamelClusterMember> members = List.of();

    private ScheduledExecutorService loop;
    private ScheduledExecutorService deadlineTimer;
    private CandidatePods candidatePods;
    private LeaseWatch leaseWatch;
    private KubeLeaseStore store;
    private final Runnable wakeUp = this::wake;
    /** The next run of the loop; only the loop's thread touches it. */
    private ScheduledFuture<?> nextRun;
    private ScheduledFuture<?> deadlineTask;
    private long deadlineScheduledFor = Long.MIN_VALUE;
    /** Spreads this replica's groups; shared by its views. */
    private final Balancer balancer;
    /** The group's move to another replica, when the balancer picks it. */
    private final Handover handover;
    /** While handing over, how often the loop looks whether the group's exchanges have finished. */
    private static final long HANDOVER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    public LeaseElectionView(LeaseClusterService service, String group, ElectionSettings settings, LeaderTerms terms,
                             String namespace) {
        super(service, group);
        this.service = service;
        this.settings = settings;
        this.terms = terms;
        this.namespace = namespace;
        this.leaseName = settings.leaseName(group);
        this.local = new Member(settings.podName());
        Timings timings = new Timings(settings.leaseDurationMs(), settings.renewDeadlineMs(), settings.retryPeriodMs(),
                settings.jitter());
        ElectorLog log = new ElectorLog(group, leaseName, settings.podName(), () -> candidatePods.whyNot(settings.podName()));
        this.elector = new Elector(settings.podName(), timings, () -> ThreadLocalRandom.current().nextDouble(), log::log);
        this.balancer = service.balancer();
        this.handover = new Handover(group, timings);
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

    @Override
    protected void doStart() {
        store = new KubeLeaseStore(service.client(), service.connectivityLog(), namespace, leaseName);
        candidatePods = service.candidatePods();
        progressAt = clock.nanos();
        loop = Executors.newSingleThreadScheduledExecutor(daemon("k8sensus-election-" + getNamespace()));
        deadlineTimer = Executors.newSingleThreadScheduledExecutor(daemon("k8sensus-deadline-" + getNamespace()));
        leaseWatch = new LeaseWatch(service.watchClient(), namespace, leaseName, local.getId(),
                service.connectivityLog(), this::delivered);
        candidatePods.onChange(wakeUp);
        leaseWatch.start();
        loop.execute(this::run);
    }

    /** The watch delivered the Lease (null: deleted). */
    private void delivered(Lease lease) {
        synchronized (this) {
            elector.observe(store.record(lease), clock.nanos());
            publish();
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
                elector.watching(leaseWatch.watching());
                if (candidates != null) {
                    elector.candidates(candidates, now);
                    balancer.candidates(candidates, now);
                }
                balance(now);
                publish();
            }
            while (!loop.isShutdown()) {
                LeaseRequest request;
                synchronized (this) {
                    elector.defer(balancer.deferNanos(clock.nanos()));
                    request = elector.step(clock.nanos());
                    publish();
                }
                progressAt = clock.nanos();
                if (request == null) {
                    break;
                }
                Answer answer = perform(request);
                synchronized (this) {
                    elector.answered(request, answer, clock.nanos());
                    publish();
                }
                progressAt = clock.nanos();
            }
        } catch (RuntimeException e) {
            LOG.warn("Election step of group {} failed", getNamespace(), e);
        } finally {
            if (!loop.isShutdown()) {
                long delay;
                synchronized (this) {
                    long now = clock.nanos();
                    long next = elector.nextStepAt(now);
                    if (handover.underWay()) {
                        next = Math.min(next, now + HANDOVER_POLL_NANOS);
                    }
                    delay = Math.max(0, next - now);
                }
                nextRun = loop.schedule(this::run, delay, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Balancing, under the view's lock: one turn of the group's {@link Handover}, with what it did logged. */
    private void balance(long now) {
        Handover.Step step = handover.step(elector, balancer, now, this::exchangesInFlight);
        Balancer.Move move = handover.move();
        if (step == Handover.Step.STARTED) {
            KeyValueLog.info(ELECTION_LOG, "event=balancing group={} pod={} epoch={} leads={} fewest={} to={}: stopping the"
                    + " group's routes, then releasing the Lease", getNamespace(), local.getId(), elector.epoch(),
                    move.leads(), move.fewest(), String.join(",", move.to()));
        } else if (step == Handover.Step.CANCELLED) {
            KeyValueLog.info(ELECTION_LOG, "event=balancing-cancelled group={} pod={} epoch={}: the groups are even without this"
                    + " move; the group stays here and its routes start again", getNamespace(), local.getId(),
                    elector.epoch());
        } else if (step == Handover.Step.ABANDONED) {
            KeyValueLog.warn(ELECTION_LOG, "event=balancing-abandoned group={} pod={} epoch={}: the group's exchanges did not"
                    + " complete within {} ms; it stays here and its routes start again", getNamespace(),
                    local.getId(), elector.epoch(), settings.leaseDurationMs());
        }
    }

    /** The exchanges in flight in the routes of this group's leader-only consumers. */
    private int exchangesInFlight() {
        org.apache.camel.CamelContext context = service.getCamelContext();
        int count = 0;
        for (org.apache.camel.Route route : context.getRoutes()) {
            if (route.getConsumer() instanceof LeaderOnlyConsumer consumer && consumer.group().equals(getNamespace())) {
                count += context.getInflightRepository().size(route.getRouteId());
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
        loop.shutdownNow();
        loop.awaitTermination(settings.callTimeoutMs(), TimeUnit.MILLISECONDS);
        deadlineTimer.shutdownNow();
        // the routes of this group have stopped (the view stops when its last user releases it): hand the Lease back
        // on this thread, so that the context does not stop before it is done
        synchronized (this) {
            elector.stop(clock.nanos(), settings.releaseOnShutdown());
            publish();
        }
        for (int i = 0; i < 5; i++) {
            LeaseRequest request;
            synchronized (this) {
                request = elector.step(clock.nanos());
            }
            if (request == null) {
                break;
            }
            Answer answer = perform(request);
            synchronized (this) {
                elector.answered(request, answer, clock.nanos());
            }
        }
        balancer.removed(getNamespace());
    }

    /**
     * Tells Camel's listeners when the leader (or its epoch) changed, and keeps the deadline timer on the term's renew
     * deadline. Called under the view's lock after every call to the elector.
     */
    private void publish() {
        // a group being handed over has no leader here any more: its routes stop while the term ends its work
        String leaderId = handover.underWay() ? null : elector.leader();
        balancer.leader(getNamespace(), elector.leader(), clock.nanos());
        long epoch = elector.epoch();
        Member newLeader = leaderId == null ? null : toMember(leaderId);
        if (newLeader != leader || epoch != leaderEpoch) {
            leader = newLeader;
            leaderEpoch = epoch;
            terms.update(newLeader == null ? LeaderTerm.none(getNamespace())
                    : new LeaderTerm(getNamespace(), newLeader.getId(), epoch, newLeader == local));
            service.observer().leaderChanged(getNamespace(), leaderId, epoch, newLeader == local);
            fireLeadershipChangedEvent(newLeader);
        }
        long until = elector.mayActUntil();
        leadingUntil = newLeader == local ? until : Long.MIN_VALUE;
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
            return Optional.of("the election loop of group " + getNamespace() + " has made no progress for "
                               + silentMs + " ms (limit " + limitMs + " ms)");
        }
        long until = leadingUntil;
        long pastMs = until == Long.MIN_VALUE ? 0 : (now - until) / 1_000_000;
        if (leader == local && pastMs > settings.retryPeriodMs()) {
            return Optional.of("this replica still leads group " + getNamespace() + " " + pastMs
                               + " ms after its renew deadline");
        }
        return Optional.empty();
    }

    /** The renew deadline came: the elector ends the term unless a renewal moved it meanwhile. */
    private synchronized void deadlineReached() {
        elector.tick(clock.nanos());
        publish();
    }

    private void updateMembers(Set<String> names) {
        Set<String> old = members.stream().map(CamelClusterMember::getId).collect(Collectors.toSet());
        if (old.equals(names)) {
            return;
        }
        members = names.stream().map(this::toMember).map(CamelClusterMember.class::cast).toList();
        Set<String> added = new HashSet<>(names);
        added.removeAll(old);
        Set<String> removed = new HashSet<>(old);
        removed.removeAll(names);
        added.forEach(id -> fireMemberAddedEvent(toMember(id)));
        removed.forEach(id -> fireMemberRemovedEvent(toMember(id)));
    }

    private Member toMember(String id) {
        return id.equals(local.getId()) ? local : memberCache.computeIfAbsent(id, Member::new);
    }

    /** Camel's thread factory: the election's threads are named as Camel names its own, and are daemons. */
    private static ThreadFactory daemon(String name) {
        return new CamelThreadFactory("#name#", name, true);
    }

    private final class Member implements CamelClusterMember {

        private final String id;

        Member(String id) {
            this.id = id;
        }

        @Override
        public boolean isLeader() {
            return leader == this;
        }

        @Override
        public boolean isLocal() {
            return this == local;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public String toString() {
            return id;
        }
    }
}
