package io.k8sensus.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sink and the checker. Every leader-only action a replica prints ({@code leader heartbeat ... leader=R
 * epoch=E seq=S}) is recorded as {@code {replica, epoch, seq}} with the time it arrived, on this process's monotonic
 * clock; {@link #check} then reads the history.
 */
final class History {

    /** One leader-only action. */
    record Action(String replica, long epoch, long seq, long nanos) {
    }

    /**
     * What the history shows after a fault.
     *
     * @param takeoverMs first action of a new term after the fault, in ms after it; -1 if no new term acted
     * @param overlaps   actions by a replica other than the owner of the newest term, with that same epoch
     * @param stale      actions with an epoch lower than one already seen (a fence rejects them)
     * @param maxGapMs   the longest time without any valid action after the fault
     * @param terms      the number of distinct epochs that acted
     */
    record Verdict(long takeoverMs, int overlaps, int stale, long maxGapMs, int terms) {
    }

    private static final Pattern ACTION = Pattern.compile("leader heartbeat .*leader=(\\S+) epoch=(-?\\d+) seq=(\\d+)");

    private final ConcurrentLinkedQueue<Action> actions = new ConcurrentLinkedQueue<>();

    void onLine(String replica, String line) {
        Matcher m = ACTION.matcher(line);
        if (m.find()) {
            actions.add(new Action(replica, Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), System.nanoTime()));
        }
    }

    List<Action> actions() {
        return actions.stream().sorted(Comparator.comparingLong(Action::nanos)).toList();
    }

    int size() {
        return actions.size();
    }

    /** Reads the history from {@code faultNanos} (actions before it only set the scene) to {@code endNanos}. */
    Verdict check(long faultNanos, long endNanos) {
        long newestEpoch = Long.MIN_VALUE;
        String owner = null;
        long epochAtFault = Long.MIN_VALUE;
        long takeover = -1;
        int overlaps = 0;
        int stale = 0;
        long lastValid = faultNanos;
        long maxGap = 0;
        List<Long> epochs = new ArrayList<>();
        for (Action a : actions()) {
            boolean afterFault = a.nanos() >= faultNanos;
            if (!afterFault) {
                epochAtFault = Math.max(epochAtFault, a.epoch());
            }
            if (a.epoch() < 0 || a.epoch() < newestEpoch) {
                stale += afterFault ? 1 : 0;
                continue;
            }
            if (a.epoch() > newestEpoch) {
                newestEpoch = a.epoch();
                owner = a.replica();
                if (!epochs.contains(a.epoch())) {
                    epochs.add(a.epoch());
                }
                if (afterFault && takeover < 0 && a.epoch() > epochAtFault) {
                    takeover = a.nanos() - faultNanos;
                }
            } else if (!a.replica().equals(owner)) {
                overlaps += afterFault ? 1 : 0;
            }
            if (afterFault) {
                maxGap = Math.max(maxGap, a.nanos() - lastValid);
                lastValid = a.nanos();
            }
        }
        maxGap = Math.max(maxGap, endNanos - lastValid);
        return new Verdict(takeover < 0 ? -1 : takeover / 1_000_000, overlaps, stale, maxGap / 1_000_000,
                epochs.size());
    }
}
