package io.k8sensus.sim;

import io.k8sensus.elector.Answer;
import io.k8sensus.elector.LeaseRecord;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.kube.RunnerMarks;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The simulated API server: one Lease per group, with the real rules. A write naming an old resourceVersion fails with
 * 409, as does a create of an existing Lease; an update of a missing one gets 404; every write, and every change made
 * by hand (a deletion, an edit, a restore from a backup, a controller touching the metadata) gets a new
 * resourceVersion and goes to the watches ({@code published}). It also keeps what the checker needs to tell the
 * documented limit from a violation: whether a group's Lease was ever deleted, and its highest epoch ever committed.
 */
final class SimulatedApiServer {

    private final Map<String, LeaseRecord> leases = new TreeMap<>();
    private final Map<String, Long> highestCommitted = new HashMap<>();
    /** Every record each group's Lease has had, oldest first: what a backup may bring back. */
    private final Map<String, List<LeaseRecord>> history = new HashMap<>();

    private final Map<String, Boolean> deleted = new HashMap<>();
    /** Per group, the terms a hand write replaced while they were the Lease's record ({@link #hidden}). */
    private final Map<String, Set<String>> hidden = new HashMap<>();
    /**
     * Per group, the lease duration the term's holder wrote when it took the Lease (the annotation
     * {@code KubeLeaseStore.HOLDER_DURATION}): an edit of the spec leaves it, and the store reads the longer of the two.
     */
    private final Map<String, Long> holderDurationMs = new HashMap<>();
    /**
     * The versions written by hand (edits, restores, another holder set), by "group/version", touched copies
     * included: when, whether it left the Lease free, and the record a restore put back (null: not a restore).
     */
    private final Map<String, HandWrite> handWrites = new HashMap<>();

    private record HandWrite(long at, boolean freed, LeaseRecord restored) {}
    /** The runners' marks on each group's Lease (its annotations): they go with the Lease when it is deleted. */
    private final Map<String, Map<String, String>> runners = new HashMap<>();
    /** Each group's marks as last delivered, until they change: one copy per change, not per read. */
    private final Map<String, Map<String, String>> runnersDelivered = new HashMap<>();

    private final BiConsumer<String, LeaseRecord> published;
    private final StringBuilder trace;
    private final LongSupplier now;
    private long version;
    private long stamps;

    /** @param published told of every change to a group's Lease (null: deleted), in order */
    SimulatedApiServer(BiConsumer<String, LeaseRecord> published, LongSupplier now, StringBuilder trace) {
        this.published = published;
        this.now = now;
        this.trace = trace;
    }

    LeaseRecord lease(String group) {
        return leases.get(group);
    }

    /** Whether {@code group}'s Lease has been deleted at some point. */
    boolean deleted(String group) {
        return deleted.getOrDefault(group, false);
    }

    long highestCommittedEpoch(String group) {
        return highestCommitted.getOrDefault(group, -1L);
    }

    /** Applies a request to {@code group}'s Lease, as the API server does. */
    Answer apply(String group, LeaseRequest request) {
        LeaseRecord lease = leases.get(group);
        if (request instanceof LeaseRequest.Read) {
            return new Answer.Ok(lease);
        }
        if (request instanceof LeaseRequest.Create create) {
            if (lease != null) {
                return new Answer.Conflict();
            }
            holderDurationMs.put(group, create.leaseDurationSeconds() * 1000L);
            return taken(group, create.holder(), create.epoch(), create.leaseDurationSeconds() * 1000L);
        }
        if (request instanceof LeaseRequest.Restore restore) {
            if (lease != null) {
                return new Answer.Conflict();
            }
            LeaseRecord last = restore.last();
            holderDurationMs.put(group, last.leaseDurationMs());
            String stamp = stamp();
            return new Answer.Ok(commit(
                    group,
                    new LeaseRecord(
                            last.holder(),
                            last.epoch(),
                            last.acquireTime() == null ? stamp : last.acquireTime(),
                            stamp,
                            last.leaseDurationMs(),
                            null)));
        }
        if (lease == null) {
            return new Answer.NotFound();
        }
        if (request instanceof LeaseRequest.Acquire acquire) {
            if (!lease.version().equals(acquire.baseVersion())) {
                return new Answer.Conflict();
            }
            holderDurationMs.put(group, acquire.leaseDurationSeconds() * 1000L);
            return taken(group, acquire.holder(), acquire.epoch(), acquire.leaseDurationSeconds() * 1000L);
        }
        if (request instanceof LeaseRequest.RaiseEpoch raise) {
            LeaseRecord l = raise.lease();
            if (!lease.version().equals(l.version())) {
                return new Answer.Conflict();
            }
            if (raise.placeholder() != null) {
                return taken(group, raise.placeholder(), raise.epoch(), raise.leaseDurationSeconds() * 1000L);
            }
            return new Answer.Ok(commit(
                    group,
                    new LeaseRecord(
                            l.holder(), raise.epoch(), l.acquireTime(), l.renewTime(), l.leaseDurationMs(), null)));
        }
        if (request instanceof LeaseRequest.Renew renew) {
            // a JSON Patch conditioned on the term (holder, epoch, acquire time), whatever the resourceVersion: a
            // failed test is 422, and nothing is written
            LeaseRecord t = renew.term();
            if (!lease.sameTerm(t)) {
                return new Answer.TermLost();
            }
            return new Answer.Ok(commit(
                    group,
                    new LeaseRecord(t.holder(), t.epoch(), t.acquireTime(), stamp(), t.leaseDurationMs(), null)));
        }
        // a JSON Patch conditioned on the term, as a renewal: a metadata write in between does not make it conflict
        LeaseRecord t = ((LeaseRequest.Release) request).term();
        if (!lease.sameTerm(t)) {
            return new Answer.TermLost();
        }
        return new Answer.Ok(commit(group, new LeaseRecord(null, t.epoch(), null, null, 0, null)));
    }

    /** A new term written: acquired and renewed now. */
    private Answer taken(String group, String holder, long epoch, long durationMs) {
        String stamp = stamp();
        return new Answer.Ok(commit(group, new LeaseRecord(holder, epoch, stamp, stamp, durationMs, null)));
    }

    // ------------------------------------------------------------------------------------------ by hand

    /** Someone deletes {@code group}'s Lease (false: there was none). */
    boolean delete(String group) {
        LeaseRecord gone = leases.remove(group);
        if (gone == null) {
            return false;
        }
        hide(group, gone);
        version++;
        deleted.put(group, true);
        runners.remove(group);
        runnersDelivered.remove(group);
        log(group + " Lease deleted");
        published.accept(group, null);
        return true;
    }

    /** Someone writes {@code record} over {@code group}'s Lease, whatever it holds (kubectl edit, replace, a restore). */
    LeaseRecord overwrite(String group, LeaseRecord record) {
        return overwrite(group, record, null);
    }

    private LeaseRecord overwrite(String group, LeaseRecord record, LeaseRecord restored) {
        LeaseRecord before = leases.get(group);
        if (before != null && !before.sameTerm(record)) {
            hide(group, before);
        }
        LeaseRecord written = commit(group, record);
        handWrites.put(
                group + "/" + written.version(), new HandWrite(now.getAsLong(), written.holder() == null, restored));
        return written;
    }

    /**
     * Someone puts back {@code old}, a record {@code group}'s Lease had before (a backup), under a new version: what
     * it restored is remembered, so that the checker can tell a replica that last saw {@code old} and nothing after
     * (to it, nothing happened) from one that knew better.
     */
    LeaseRecord restore(String group, LeaseRecord old) {
        return overwrite(group, old, old);
    }

    /** A hand write replaced {@code record} while it was the Lease's: its term is hidden from whoever had not seen it. */
    private void hide(String group, LeaseRecord record) {
        if (record.holder() != null) {
            hidden.computeIfAbsent(group, g -> new HashSet<>()).add(TermHistory.term(record.holder(), record.epoch()));
        }
    }

    /**
     * The terms ({@link TermHistory#term}) of {@code group} that a hand write (a deletion, an edit, a backup put back)
     * replaced while they were the Lease's record.
     */
    Set<String> hidden(String group) {
        return hidden.getOrDefault(group, Set.of());
    }

    private HandWrite handWrite(String group, String version) {
        return version == null ? null : handWrites.get(group + "/" + version);
    }

    /** The record that version {@code version} of {@code group}'s Lease put back from a backup (null: none). */
    LeaseRecord restoredRecord(String group, String version) {
        HandWrite write = handWrite(group, version);
        return write == null ? null : write.restored();
    }

    /** The version of the record that version {@code version} of {@code group}'s Lease restored (-1: none). */
    long restoredFrom(String group, String version) {
        LeaseRecord restored = restoredRecord(group, version);
        return restored == null ? -1 : Long.parseLong(restored.version());
    }

    /** Whether version {@code version} of {@code group}'s Lease was written by hand. */
    boolean byHand(String group, String version) {
        return handWrite(group, version) != null;
    }

    /** Whether a backup of {@code group}'s Lease has been put back (its epoch then may have gone down). */
    boolean everRestored(String group) {
        return handWrites.entrySet().stream()
                .anyMatch(
                        e -> e.getKey().startsWith(group + "/") && e.getValue().restored() != null);
    }

    /** When the version {@code version} of {@code group}'s Lease was freed by hand (-1: it was not). */
    long freedByHandAt(String group, String version) {
        HandWrite write = handWrite(group, version);
        return write != null && write.freed() ? write.at() : -1;
    }

    /**
     * Someone edits {@code group}'s Lease spec by hand, its metadata left as it was: the record the replicas' store
     * reads from it (the duration never below the one its holder wrote when it took it).
     */
    LeaseRecord edit(String group, LeaseRecord spec) {
        long duration = spec.holder() == null
                ? spec.leaseDurationMs()
                : Math.max(spec.leaseDurationMs(), holderDurationMs.getOrDefault(group, 0L));
        return overwrite(
                group,
                new LeaseRecord(spec.holder(), spec.epoch(), spec.acquireTime(), spec.renewTime(), duration, null));
    }

    /** The record {@code group}'s Lease had {@code back} records ago (the oldest if fewer; null: none). */
    LeaseRecord earlier(String group, int back) {
        List<LeaseRecord> records = history.getOrDefault(group, List.of());
        if (records.isEmpty()) {
            return null;
        }
        return records.get(Math.max(0, records.size() - 1 - back));
    }

    /**
     * A replica marks {@code group}'s Lease as run by it (the annotation {@code runner.k8sensus.io/<pod>} with the
     * value {@link RunnerMarks#value} gives), or takes its mark off ({@code value} null): a JSON merge patch of the
     * metadata alone, which conflicts with nothing. No Lease: no mark.
     */
    boolean mark(String group, String name, String value) {
        LeaseRecord lease = leases.get(group);
        if (lease == null) {
            return false;
        }
        Map<String, String> annotations = runners.computeIfAbsent(group, g -> new TreeMap<>());
        String key = RunnerMarks.key(name);
        if (Objects.equals(annotations.get(key), value)) {
            return true;
        }
        if (value == null) {
            annotations.remove(key);
        } else {
            annotations.put(key, value);
        }
        runnersDelivered.remove(group);
        touch(group);
        return true;
    }

    /** The runners' marks on {@code group}'s Lease (annotation to value), as a watch delivers them with the Lease. */
    Map<String, String> runners(String group) {
        return runnersDelivered.computeIfAbsent(group, g -> Map.copyOf(runners.getOrDefault(g, Map.of())));
    }

    /** A controller touches the Lease's metadata: a new resourceVersion, the spec unchanged. */
    void touch(String group) {
        LeaseRecord lease = leases.get(group);
        if (lease != null) {
            HandWrite write = handWrite(group, lease.version());
            lease = lease.withVersion(String.valueOf(++version));
            if (write != null) {
                handWrites.put(group + "/" + lease.version(), write); // the same record, under a new version
            }
            leases.put(group, lease);
            published.accept(group, lease);
        }
    }

    /** A fresh timestamp, as the server would format the clock: only its identity matters to the elector. */
    String stamp() {
        return "t" + (++stamps);
    }

    private LeaseRecord commit(String group, LeaseRecord written) {
        LeaseRecord lease = written.withVersion(String.valueOf(++version));
        leases.put(group, lease);
        history.computeIfAbsent(group, g -> new ArrayList<>()).add(lease);
        highestCommitted.merge(group, lease.epoch(), Math::max);
        if (trace != null) {
            log(group + " Lease is now " + lease);
        }
        published.accept(group, lease);
        return lease;
    }

    private void log(String what) {
        if (trace != null) {
            trace.append(String.format("%9.3f  api   %s%n", now.getAsLong() / 1e6, what));
        }
    }
}
