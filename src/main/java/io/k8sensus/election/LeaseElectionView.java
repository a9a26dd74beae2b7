package io.k8sensus.election;

import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * k8sensus's elector for one group, a Camel cluster view (so {@code master:} routes use it unchanged).
 * <p>
 * It keeps Camel's rule that only Running and Ready candidate Pods may lead, and adds client-go's rule that a Lease
 * whose record has not changed for a lease duration, as seen on this replica's monotonic clock, has expired: a leader
 * cut off from the API server is replaced even while its Pod stays Ready, without trusting any clock but the local
 * one. The leader writes the Lease every retry period; it stops acting when its last successful write is older than the
 * renew deadline (a timer of its own, so a call that hangs cannot delay it), which is shorter than the lease
 * duration the others wait. Every acquisition, a restart under the same name included, increments
 * {@code spec.leaseTransitions}: the epoch of the new term.
 * <p>
 * Followers cost the API server nothing at steady state: they follow the Lease and the candidate Pods through watches
 * ({@link LeaseWatch}, {@link CandidatePods}), wake up when the Lease changes (a release is taken over at once) and at
 * the moment it would expire, and read the Lease from the API server only before they write. The leader writes from
 * its own last successful write, never from the watch, so a late event cannot make it step down or write stale.
 * <p>
 * Camel's own controller ({@code k8sensus.election.algorithm=camel}) instead waits a lease duration after taking a
 * Lease from a holder that left, and never reads whether the holder still renews.
 */
public class LeaseElectionView extends AbstractCamelClusterView {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.election");

    private final ElectionSettings settings;
    private final LeaderTerms terms;
    private final LeaseClusterService service;
    private final String namespace;
    private final String leaseName;
    private final Member local;
    private final Map<String, Member> memberCache = new ConcurrentHashMap<>();

    private volatile Member leader;
    private volatile List<CamelClusterMember> members = List.of();
    private volatile long leaderEpoch = LeaderTerm.UNKNOWN_EPOCH;

    private ScheduledExecutorService loop;
    private ScheduledExecutorService deadline;
    private KubernetesClient client;
    private CandidatePods candidatePods;
    private LeaseWatch leaseWatch;
    private final Runnable wakeUp = this::wake;
    /** The next election step; only the loop's thread touches it. */
    private ScheduledFuture<?> nextStep;

    /** The last record seen of another holder's Lease (its resourceVersion) and when it was first seen. */
    private String observedVersion;
    private long observedAtNanos;
    private boolean silenceReported;
    /** When this replica last wrote its own Lease successfully, and what the API server answered. */
    private volatile long lastRenewNanos;
    private volatile Lease ownLease;
    /** Until when this replica writes nothing, after a write whose outcome it could not learn. */
    private volatile long quietUntilNanos;
    /** Whether this process has held a term: a Lease naming this Pod is then its own, not an earlier life's. */
    private boolean heldHere;

    public LeaseElectionView(LeaseClusterService service, String group, ElectionSettings settings, LeaderTerms terms,
                             String namespace) {
        super(service, group);
        this.service = service;
        this.settings = settings;
        this.terms = terms;
        this.namespace = namespace;
        this.leaseName = settings.leaseName(group);
        this.local = new Member(settings.podName());
    }

    @Override
    public java.util.Optional<CamelClusterMember> getLeader() {
        return java.util.Optional.ofNullable(leader);
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
        client = service.client();
        candidatePods = service.candidatePods();
        loop = Executors.newSingleThreadScheduledExecutor(daemon("k8sensus-election-" + getNamespace()));
        deadline = Executors.newSingleThreadScheduledExecutor(daemon("k8sensus-deadline-" + getNamespace()));
        leaseWatch = new LeaseWatch(service.watchClient(), client, namespace, leaseName, local.getId(),
                service.connectivityLog(), () -> {
            // the leader's truth is its own last write: only followers act on what the watch delivers
            if (leader != local) {
                wake();
            }
        });
        candidatePods.onChange(wakeUp);
        leaseWatch.start();
        loop.execute(this::tick);
    }

    /** Runs the next step now instead of at its scheduled time. */
    private void wake() {
        try {
            loop.execute(() -> {
                if (nextStep != null && nextStep.cancel(false)) {
                    tick();
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: nothing more to decide
        }
    }

    @Override
    protected void doStop() throws Exception {
        candidatePods.removeListener(wakeUp);
        leaseWatch.close();
        loop.shutdownNow();
        loop.awaitTermination(settings.callTimeoutMs(), TimeUnit.MILLISECONDS);
        deadline.shutdownNow();
        boolean wasLeader = leader == local;
        if (wasLeader) {
            changeLeader(null, LeaderTerm.UNKNOWN_EPOCH);
        }
        if (wasLeader && settings.releaseOnShutdown()) {
            LeaseRelease.release(client, namespace, leaseName, getNamespace(), local.getId());
        }
    }

    private void tick() {
        try {
            step();
        } catch (RuntimeException e) {
            // the API is unreachable or refused: ApiConnectivityLog says so once; the deadline timer stops acting
            LOG.debug("Election step of group {} failed", getNamespace(), e);
        } finally {
            if (!loop.isShutdown()) {
                nextStep = loop.schedule(this::tick, nextDelayMs(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** A retry period with jitter; a follower also wakes when the Lease it follows would expire. */
    private long nextDelayMs() {
        long delay = (long) (settings.retryPeriodMs() * (1 + Math.random() * (settings.jitter() - 1)));
        if (leader != local && observedVersion != null) {
            long untilExpiry = settings.leaseDurationMs()
                               - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - observedAtNanos);
            delay = Math.min(delay, Math.max(0, untilExpiry));
        }
        return delay;
    }

    private void step() {
        long now = System.nanoTime();
        Set<String> candidates = candidatePods.names();
        updateMembers(candidates);
        boolean member = candidates.contains(local.getId());
        Lease lease;
        if (leader == local) {
            lease = ownLease != null ? ownLease : leaseWatch.read();
        } else {
            lease = leaseWatch.current();
            if (member && now >= quietUntilNanos && mayTakeOver(lease, now)) {
                // about to write: the watch may lag, so decide on the Lease as the API server has it now
                lease = leaseWatch.read();
            }
        }
        String holder = holderOf(lease);

        if (now < quietUntilNanos) {
            // after an acquisition of unknown outcome or a term ended by its renew deadline: only watch, so that
            // writes landing unacknowledged cannot keep alive a Lease that this replica does not know it holds
            if (holder != null && !local.getId().equals(holder)) {
                changeLeader(toMember(holder), epochOf(lease));
            }
            return;
        }

        if (local.getId().equals(holder) && leader == local) {
            if (!member) {
                LOG.info("event=not-a-candidate group={} pod={}: stopping and giving the Lease up", getNamespace(),
                        local.getId());
                changeLeader(null, LeaderTerm.UNKNOWN_EPOCH);
                LeaseRelease.release(client, namespace, leaseName, getNamespace(), local.getId());
                return;
            }
            Lease renewed = write(lease, false);
            renewed(now, renewed, false);
        } else if (holder == null || expired(lease, now) || fromEarlierLife(holder)) {
            // empty, expired, or ours from an earlier life of this Pod: a new term either way
            if (leader == local) {
                changeLeader(null, LeaderTerm.UNKNOWN_EPOCH);
            }
            if (member) {
                Lease acquired = lease == null ? create() : write(lease, true);
                renewed(now, acquired, true);
            } else if (holder == null || local.getId().equals(holder)) {
                changeLeader(null, LeaderTerm.UNKNOWN_EPOCH);
            } else {
                changeLeader(toMember(holder), epochOf(lease));
            }
        } else {
            if (leader == local) {
                LOG.info("event=lost-lease group={} pod={} holder={}", getNamespace(), local.getId(), holder);
            }
            if (local.getId().equals(holder)) {
                // the last term of this process, ended by its renew deadline: it expires like anyone else's
                changeLeader(null, LeaderTerm.UNKNOWN_EPOCH);
            } else {
                changeLeader(toMember(holder), epochOf(lease));
            }
        }
    }

    /** Whether this follower would write: the Lease is absent, free, ours from an earlier life, or expired. */
    private boolean mayTakeOver(Lease lease, long now) {
        String holder = holderOf(lease);
        return holder == null || fromEarlierLife(holder) || expired(lease, now);
    }

    /**
     * A Lease that names this Pod but was not written by this process: the container restarted under the same Pod
     * name, and the new process starts a new term at once. A term this process held and lost instead expires.
     */
    private boolean fromEarlierLife(String holder) {
        return local.getId().equals(holder) && !heldHere;
    }

    private static String holderOf(Lease lease) {
        String holder = lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
        return holder == null || holder.isEmpty() ? null : holder;
    }

    /** A Lease of another holder has expired when its record has not changed for a lease duration, locally. */
    private boolean expired(Lease lease, long now) {
        String version = lease.getMetadata().getResourceVersion();
        if (!Objects.equals(version, observedVersion)) {
            observedVersion = version;
            observedAtNanos = now;
            silenceReported = false;
            return false;
        }
        long silentMs = TimeUnit.NANOSECONDS.toMillis(now - observedAtNanos);
        if (!silenceReported && silentMs > 2 * settings.retryPeriodMs() * settings.jitter()) {
            // the holder seems to have missed two renewals; a watch delivering late (a replica starved of CPU) would
            // look the same, so ask the API server before saying so
            Lease fresh = leaseWatch.read();
            if (fresh != null && !Objects.equals(fresh.getMetadata().getResourceVersion(), version)) {
                observedVersion = fresh.getMetadata().getResourceVersion();
                observedAtNanos = now;
                return false;
            }
            // it has: say when the others may take over
            silenceReported = true;
            LOG.info("event=holder-silent group={} pod={} holder={} takeover-in-ms={}", getNamespace(), local.getId(),
                    lease.getSpec().getHolderIdentity(), Math.max(0, settings.leaseDurationMs() - silentMs));
        }
        return silentMs >= settings.leaseDurationMs();
    }

    /**
     * A successful write: an acquisition starts a term, a renewal extends it. Runs under the view's lock, as does
     * the renew deadline, so that a renewal answered after the deadline ended its term cannot revive that term.
     */
    private synchronized void renewed(long startedNanos, Lease lease, boolean acquired) {
        if (!acquired && leader != local) {
            return;
        }
        heldHere = true;
        lastRenewNanos = startedNanos;
        ownLease = lease;
        observedVersion = null;
        if (leader != local) {
            changeLeader(local, epochOf(lease));
        }
        long renewedAt = startedNanos;
        deadline.schedule(() -> renewDeadline(renewedAt),
                settings.renewDeadlineMs() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos),
                TimeUnit.MILLISECONDS);
    }

    /**
     * No renewal succeeded for the renew deadline: stop acting, and write nothing for a lease duration, because
     * renewals sent before the deadline may still land and must not keep alive a term that has ended.
     */
    private synchronized void renewDeadline(long renewedAt) {
        if (lastRenewNanos == renewedAt && leader == local) {
            quietUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.leaseDurationMs());
            LOG.warn("event=renew-deadline group={} pod={} epoch={}: no successful renewal for {} ms, stopping;"
                     + " writing nothing for {} ms", getNamespace(), local.getId(), leaderEpoch,
                    settings.renewDeadlineMs(), settings.leaseDurationMs());
            changeLeader(null, LeaderTerm.UNKNOWN_EPOCH);
        }
    }

    private Lease create() {
        ZonedDateTime now = ZonedDateTime.now();
        Lease lease = new LeaseBuilder().withNewMetadata().withName(leaseName).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "k8sensus").endMetadata()
                .withNewSpec().withHolderIdentity(local.getId()).withAcquireTime(now).withRenewTime(now)
                .withLeaseDurationSeconds(leaseDurationSeconds()).withLeaseTransitions(0).endSpec()
                .build();
        return client.leases().inNamespace(namespace).resource(lease).create();
    }

    /** An optimistic write: renews the Lease, or with {@code acquire} takes it for a new term. */
    private Lease write(Lease lease, boolean acquire) {
        try {
            return doWrite(lease, acquire);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            // whatever happened, the next step reads the Lease from the API server
            ownLease = null;
            if (e.getCode() == 409) {
                throw e; // another replica wrote first
            }
            if (acquire) {
                // timed out, refused or 5xx: the acquisition may still land; stay quiet for a lease duration
                quietUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.leaseDurationMs());
                LOG.warn("event=write-unknown group={} pod={} reason=\"{}\": writing nothing for {} ms",
                        getNamespace(), local.getId(), io.k8sensus.RootCause.describe(e), settings.leaseDurationMs());
            } else if (leader == local) {
                // the term goes on until its renew deadline, as long as a later renewal succeeds; had the deadline
                // passed while the call was out, it would have ended the term and said so
                long leftMs = settings.renewDeadlineMs()
                              - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastRenewNanos);
                LOG.warn("event=renew-failed group={} pod={} epoch={} reason=\"{}\": retrying until the renew deadline"
                         + " in {} ms", getNamespace(), local.getId(), leaderEpoch, io.k8sensus.RootCause.describe(e),
                        Math.max(0, leftMs));
            }
            throw e;
        }
    }

    private Lease doWrite(Lease lease, boolean acquire) {
        ZonedDateTime now = ZonedDateTime.now();
        LeaseBuilder builder = new LeaseBuilder(lease);
        if (acquire) {
            Integer transitions = lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
            builder.editOrNewSpec().withHolderIdentity(local.getId()).withAcquireTime(now)
                    .withLeaseDurationSeconds(leaseDurationSeconds())
                    .withLeaseTransitions(transitions == null ? 1 : transitions + 1).endSpec();
        }
        Lease updated = builder.editOrNewSpec().withRenewTime(now).endSpec().build();
        return client.leases().inNamespace(namespace).resource(updated)
                .lockResourceVersion(lease.getMetadata().getResourceVersion()).update();
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

    private synchronized void changeLeader(Member newLeader, long epoch) {
        if (newLeader == leader && epoch == leaderEpoch) {
            return;
        }
        leader = newLeader;
        leaderEpoch = epoch;
        if (newLeader != local) {
            ownLease = null;
        }
        terms.update(newLeader == null ? LeaderTerm.none(getNamespace())
                : new LeaderTerm(getNamespace(), newLeader.getId(), epoch, newLeader == local));
        fireLeadershipChangedEvent(newLeader);
    }

    private Member toMember(String id) {
        return id.equals(local.getId()) ? local : memberCache.computeIfAbsent(id, Member::new);
    }

    private static long epochOf(Lease lease) {
        Integer transitions = lease == null || lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
        return transitions == null ? 0 : transitions;
    }

    private int leaseDurationSeconds() {
        return (int) Math.max(1, Math.round(settings.leaseDurationMs() / 1000.0));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
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
    }
}
