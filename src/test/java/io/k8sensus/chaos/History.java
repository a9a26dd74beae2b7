package io.k8sensus.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sink and the checker. Every leader-only action a replica prints is recorded as {@code {replica, life, group,
 * epoch, seq}} with the time it arrived, on this process's monotonic clock (life: 1 for the first process started
 * under that name, 2 after a restart...). Action lines are the shipped heartbeat's ({@code leader heartbeat group=G
 * leader=R epoch=E seq=S}) and those of routes that also say when an action's work completes ({@code leader work
 * started ...} when it starts, {@code leader work done ...} when it ends). {@link #check} then reads one group's
 * history.
 */
final class History {

    /** The group of the shipped heartbeat, and of a line that names none. */
    static final String HEARTBEAT = "heartbeat";

    /** One leader-only action, when it started. */
    record Action(String replica, int life, String group, long epoch, long seq, long nanos) {
        /** The term it belongs to: this process acting with this epoch. */
        String term() {
            return replica + "#" + life + "@" + epoch;
        }
    }

    /** The end of an action's work, for routes that say so. */
    record Completion(String replica, int life, String group, long epoch, long seq, long nanos) {
        String term() {
            return replica + "#" + life + "@" + epoch;
        }
    }

    /**
     * What the history shows after a fault. A term is one replica process acting with one epoch (a process that
     * is paused and resumes stays in its term; a restarted one starts a new one); it works from its first action's
     * start to its last action's start or completion, whichever is later. (A process that takes a new term with the
     * epoch it already acted with cannot be told apart from one that resumes.)
     *
     * @param takeoverMs       first action of a new term (one that had not acted before the fault), in ms after the
     *                         fault; -1 if none acted
     * @param overlaps         actions by a replica other than the owner of the newest term, with that same epoch
     * @param stale            actions with an epoch lower than one already seen (a fence rejects them)
     * @param maxGapMs         the longest time without any valid action after the fault
     * @param terms            the number of distinct epochs that acted
     * @param epochRegressions terms new after the fault whose epoch is not above every epoch seen before them (a
     *                         lower epoch, or one reused)
     * @param bothActingMs     the longest time two replicas' terms were both working after the fault, whatever their
     *                         epochs (0: one's action fell within the other's term); -1 if never
     */
    record Verdict(long takeoverMs, int overlaps, int stale, long maxGapMs, int terms, int epochRegressions,
                   long bothActingMs) {
    }

    private static final Pattern LINE = Pattern.compile("leader (heartbeat|work started|work done) (.*)");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S*)");

    private final ConcurrentLinkedQueue<Action> actions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();

    void onLine(String replica, int life, String line) {
        onLine(replica, life, line, System.nanoTime());
    }

    /** Records a line that arrived at {@code now}. */
    void onLine(String replica, int life, String line, long now) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return;
        }
        Map<String, String> fields = new HashMap<>();
        Matcher f = FIELD.matcher(m.group(2));
        while (f.find()) {
            fields.put(f.group(1), f.group(2));
        }
        String group = fields.getOrDefault("group", HEARTBEAT);
        long epoch;
        long seq;
        try {
            epoch = Long.parseLong(fields.get("epoch"));
            seq = Long.parseLong(fields.get("seq"));
        } catch (NumberFormatException e) {
            return; // not an action line after all
        }
        if (m.group(1).equals("work done")) {
            completions.add(new Completion(replica, life, group, epoch, seq, now));
        } else {
            actions.add(new Action(replica, life, group, epoch, seq, now));
        }
    }

    /** Every action of every group, oldest first. */
    List<Action> actions() {
        return actions.stream().sorted(Comparator.comparingLong(Action::nanos)).toList();
    }

    List<Action> actions(String group) {
        return actions().stream().filter(a -> a.group().equals(group)).toList();
    }

    List<Completion> completions(String group) {
        return completions.stream().filter(c -> c.group().equals(group)).toList();
    }

    int size() {
        return actions.size();
    }

    /** The heartbeat's history; see {@link #check(String, long, long)}. */
    Verdict check(long faultNanos, long endNanos) {
        return check(HEARTBEAT, faultNanos, endNanos);
    }

    /** Reads a group's history from {@code faultNanos} (actions before it only set the scene) to {@code endNanos}. */
    Verdict check(String group, long faultNanos, long endNanos) {
        long newestEpoch = Long.MIN_VALUE;
        long highestEpoch = Long.MIN_VALUE;
        String owner = null;
        long takeover = -1;
        int overlaps = 0;
        int stale = 0;
        int regressions = 0;
        long lastValid = faultNanos;
        long maxGap = 0;
        List<Long> epochs = new ArrayList<>();
        Map<String, Term> terms = new LinkedHashMap<>();
        for (Action a : actions(group)) {
            boolean afterFault = a.nanos() >= faultNanos;
            Term term = terms.get(a.term());
            if (term == null) {
                term = new Term(a.replica(), a.nanos());
                terms.put(a.term(), term);
                if (afterFault) {
                    regressions += a.epoch() <= highestEpoch ? 1 : 0;
                    takeover = takeover < 0 ? a.nanos() - faultNanos : takeover;
                }
            }
            term.until(a.nanos());
            highestEpoch = Math.max(highestEpoch, a.epoch());
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
            } else if (!a.replica().equals(owner)) {
                overlaps += afterFault ? 1 : 0;
            }
            if (afterFault) {
                maxGap = Math.max(maxGap, a.nanos() - lastValid);
                lastValid = a.nanos();
            }
        }
        for (Completion c : completions(group)) {
            Term term = terms.get(c.term());
            if (term != null) {
                term.until(c.nanos());
            }
        }
        maxGap = Math.max(maxGap, endNanos - lastValid);
        return new Verdict(takeover < 0 ? -1 : takeover / 1_000_000, overlaps, stale, maxGap / 1_000_000,
                epochs.size(), regressions, bothActing(List.copyOf(terms.values()), faultNanos));
    }

    /** The longest time two replicas' terms both worked after the fault, in ms; -1 if never. */
    private static long bothActing(List<Term> terms, long faultNanos) {
        long longest = -1;
        for (int i = 0; i < terms.size(); i++) {
            for (int j = i + 1; j < terms.size(); j++) {
                Term a = terms.get(i);
                Term b = terms.get(j);
                long from = Math.max(a.from, b.from);
                long to = Math.min(a.to, b.to);
                if (!a.replica.equals(b.replica) && to >= from && to >= faultNanos) {
                    longest = Math.max(longest, (to - Math.max(from, faultNanos)) / 1_000_000);
                }
            }
        }
        return longest;
    }

    /** One replica process working with one epoch: from its first action's start to its last start or completion. */
    private static final class Term {

        final String replica;
        final long from;
        long to;

        Term(String replica, long from) {
            this.replica = replica;
            this.from = from;
            this.to = from;
        }

        void until(long nanos) {
            to = Math.max(to, nanos);
        }
    }
}
