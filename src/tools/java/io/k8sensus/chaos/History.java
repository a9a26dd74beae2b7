package io.k8sensus.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The sink and the checker. Three things are recorded, each with the time it arrived on this process's monotonic
 * clock:
 * <ul>
 *   <li>every leader-only action a replica prints, as {@code {replica, life, group, epoch, seq}} (life: 1 for the
 *   first process started under that name, 2 after a restart...). Action lines are the shipped heartbeat's
 *   ({@code leader heartbeat group=G leader=R epoch=E seq=S}) and those of routes that also say when an action's work
 *   completes ({@code leader work started ...} when it starts, {@code leader work done ...} when it ends);</li>
 *   <li>every state of each group's Lease seen by the harness's own watch: holder and epoch
 *   ({@code spec.leaseTransitions});</li>
 *   <li>every answer of a fencing receiver ({@code examples/fencing/receiver}): {@code accepted action group=G
 *   leader=R epoch=E} or {@code event=fence-rejected group=G leader=R epoch=E ...}.</li>
 * </ul>
 * {@link #check} then reads one group's whole history, from its first action to the end.
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

    /** A state of a group's Lease, as the harness's watch delivered it. */
    record LeaseState(String group, String holder, long epoch, long nanos) {}

    /** A fencing receiver's answer to an action. */
    record FenceAnswer(String group, String leader, long epoch, boolean accepted, long nanos) {}

    /**
     * What a group's history shows. Everything but the takeover and the gap is read over the whole run, start-up
     * included. A term is one replica process acting with one epoch (a process that is paused and resumes stays in
     * its term; a restarted one starts a new one); it works from its first action's start to its last action's start
     * or completion, whichever is later. (A process that takes a new term with the epoch it already acted with cannot
     * be told apart from one that resumes.)
     *
     * @param takeoverMs       first action of a new term (one that had not acted before the fault), in ms after the
     *                         fault; -1 if none acted
     * @param overlaps         actions by a replica other than the owner of the newest term, with that same epoch
     * @param stale            actions (starts or completions) of a term that had ended: their epoch is lower than one
     *                         that already acted, or than the one the Lease named when they arrived
     * @param fenced           actions a fencing receiver refused
     * @param staleAccepted    actions a fencing receiver accepted although their term had ended (the Lease, or an
     *                         earlier accepted action, named a higher epoch)
     * @param maxGapMs         the longest time without any valid action after the fault
     * @param terms            the number of distinct epochs that acted
     * @param epochRegressions terms whose epoch is not above every epoch that acted before them (a lower epoch, or one
     *                         reused), and Lease states whose epoch is below one the Lease had before
     * @param bothActingMs     the longest time two replicas' terms were both working, whatever their epochs (0: one's
     *                         action fell within the other's term); -1 if never. The stale actions of a term that
     *                         had acted in time are left out (a zombie's, counted on their own: a fence may have
     *                         refused them); those of a term that began with a lower or reused epoch are not, nor are
     *                         completions: that work went on
     */
    record Verdict(
            long takeoverMs,
            int overlaps,
            int stale,
            int fenced,
            int staleAccepted,
            long maxGapMs,
            int terms,
            int epochRegressions,
            long bothActingMs) {}

    // at the start of a message (after the layout's "logger - "), not quoted inside another line's message
    private static final Pattern ACTION = Pattern.compile("(?:^|- )leader (heartbeat|work started|work done) (.*)");
    private static final Pattern FENCE = Pattern.compile("(?:^|- )(accepted action|event=fence-rejected) (.*)");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S*)");

    private final ConcurrentLinkedQueue<Action> actions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<LeaseState> leaseStates = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<FenceAnswer> fenceAnswers = new ConcurrentLinkedQueue<>();

    void onLine(String replica, int life, String line) {
        onLine(replica, life, line, System.nanoTime());
    }

    /** Records a line that arrived at {@code now}. */
    void onLine(String replica, int life, String line, long now) {
        Matcher action = ACTION.matcher(line);
        Matcher fence = FENCE.matcher(line);
        boolean isAction = action.find();
        if (!isAction && !fence.find()) {
            return;
        }
        Map<String, String> fields = fields(isAction ? action.group(2) : fence.group(2));
        String group = fields.getOrDefault("group", HEARTBEAT);
        long epoch;
        try {
            epoch = Long.parseLong(fields.get("epoch"));
        } catch (NumberFormatException e) {
            return; // not an action line after all
        }
        if (!isAction) {
            fenceAnswers.add(new FenceAnswer(
                    group, fields.get("leader"), epoch, fence.group(1).equals("accepted action"), now));
            return;
        }
        long seq;
        try {
            seq = Long.parseLong(fields.get("seq"));
        } catch (NumberFormatException e) {
            return;
        }
        if (action.group(1).equals("work done")) {
            completions.add(new Completion(replica, life, group, epoch, seq, now));
        } else {
            actions.add(new Action(replica, life, group, epoch, seq, now));
        }
    }

    /** Records a state of a group's Lease (its holder, possibly none, and epoch) that arrived at {@code now}. */
    void onLease(String group, String holder, long epoch, long now) {
        leaseStates.add(new LeaseState(group, holder, epoch, now));
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> fields = new HashMap<>();
        Matcher f = FIELD.matcher(text);
        while (f.find()) {
            fields.put(f.group(1), f.group(2));
        }
        return fields;
    }

    /** Every action of every group, oldest first. */
    List<Action> actions() {
        return actions.stream().sorted(Comparator.comparingLong(Action::nanos)).toList();
    }

    List<Action> actions(String group) {
        return actions().stream().filter(a -> a.group().equals(group)).toList();
    }

    List<Completion> completions(String group) {
        return oldestFirst(completions, c -> c.group().equals(group), Completion::nanos);
    }

    List<FenceAnswer> fenceAnswers(String group) {
        return oldestFirst(fenceAnswers, f -> f.group().equals(group), FenceAnswer::nanos);
    }

    /** Every state of a group's Lease the harness's watch saw, oldest first. */
    List<LeaseState> leaseStates(String group) {
        return oldestFirst(leaseStates, l -> l.group().equals(group), LeaseState::nanos);
    }

    private static <T> List<T> oldestFirst(Collection<T> all, Predicate<T> in, ToLongFunction<T> nanos) {
        return all.stream().filter(in).sorted(Comparator.comparingLong(nanos)).toList();
    }

    int size() {
        return actions.size();
    }

    /**
     * Everything recorded, oldest first, as CSV: ms after {@code originNanos}, what (action, completion, lease,
     * fence-accepted, fence-refused), replica (the holder, for a Lease state), life, group, epoch, seq.
     */
    String csv(long originNanos) {
        List<Line> lines = new ArrayList<>();
        actions.forEach(
                a -> lines.add(Line.of(a.nanos(), "action", a.replica(), a.life(), a.group(), a.epoch(), a.seq())));
        completions.forEach(
                c -> lines.add(Line.of(c.nanos(), "completion", c.replica(), c.life(), c.group(), c.epoch(), c.seq())));
        leaseStates.forEach(l -> lines.add(Line.of(
                l.nanos(),
                "lease",
                l.holder() == null || l.holder().isEmpty() ? "none" : l.holder(),
                "",
                l.group(),
                l.epoch(),
                "")));
        fenceAnswers.forEach(f -> lines.add(Line.of(
                f.nanos(),
                f.accepted() ? "fence-accepted" : "fence-refused",
                f.leader(),
                "",
                f.group(),
                f.epoch(),
                "")));
        StringBuilder csv = new StringBuilder("ms,what,replica,life,group,epoch,seq\n");
        lines.stream()
                .sorted(Comparator.comparingLong(Line::nanos))
                .forEach(l -> csv.append((l.nanos() - originNanos) / 1_000_000)
                        .append(',')
                        .append(l.text())
                        .append('\n'));
        return csv.toString();
    }

    /** A line of {@link #csv}: when it arrived, and its cells joined. */
    private record Line(long nanos, String text) {
        static Line of(long nanos, Object... cells) {
            return new Line(nanos, Arrays.stream(cells).map(String::valueOf).collect(Collectors.joining(",")));
        }
    }

    /** The heartbeat's history; see {@link #check(String, long, long)}. */
    Verdict check(long faultNanos, long endNanos) {
        return check(HEARTBEAT, faultNanos, endNanos);
    }

    /**
     * Reads a group's whole history up to {@code endNanos}; the takeover and the longest gap are measured from
     * {@code faultNanos}.
     */
    Verdict check(String group, long faultNanos, long endNanos) {
        return read(group, faultNanos, endNanos).verdict();
    }

    /**
     * What a group's history shows over a window, such as the time a fault was held.
     *
     * @param actions     actions started in the window, by anyone
     * @param newTerms    terms (a replica process acting with an epoch) whose first action falls in the window: the
     *                    leader changes, a replica that loses its term and takes a new one included
     * @param twoActorsMs the time within the window during which two replicas both acted: each term (one replica
     *                    process with one epoch) spans from its first action's start to its last start or completion,
     *                    its stale actions included (unlike {@link Verdict#bothActingMs}: an old leader that goes on
     *                    acting after a new term began is acting, fenced or not); 0 when one's action fell within the
     *                    other's span, -1 if never
     * @param stale       stale actions (as in {@link Verdict}) that arrived in the window
     */
    record Window(int actions, int newTerms, long twoActorsMs, int stale) {}

    /** Reads a group's history from its start to {@code toNanos}, and reports the window from {@code fromNanos}. */
    Window window(String group, long fromNanos, long toNanos) {
        Reading whole = read(group, fromNanos, toNanos);
        int staleBefore = read(group, fromNanos, fromNanos - 1).verdict().stale();
        int actions = (int) actions(group).stream()
                .filter(a -> a.nanos() >= fromNanos && a.nanos() <= toNanos)
                .count();
        int newTerms = (int) whole.terms().stream()
                .filter(t -> t.from >= fromNanos && t.from <= toNanos)
                .count();
        // every action and completion of each term up to the window's end, stale ones included
        Map<String, Term> spans = new LinkedHashMap<>();
        for (Action a : actions(group)) {
            if (a.nanos() <= toNanos) {
                spans.computeIfAbsent(a.term(), k -> new Term(a.replica(), a.epoch(), a.nanos(), false))
                        .until(a.nanos());
            }
        }
        for (Completion c : completions(group)) {
            Term span = spans.get(c.term());
            if (span != null && c.nanos() <= toNanos) {
                span.until(c.nanos());
            }
        }
        return new Window(
                actions,
                newTerms,
                twoActors(List.copyOf(spans.values()), fromNanos, toNanos),
                whole.verdict().stale() - staleBefore);
    }

    /** A verdict and the terms it was read from. */
    private record Reading(Verdict verdict, List<Term> terms) {}

    private Reading read(String group, long faultNanos, long endNanos) {
        List<LeaseState> lease = leaseStates(group);
        long newestEpoch = Long.MIN_VALUE;
        long highestEpoch = Long.MIN_VALUE;
        String owner = null;
        long takeover = -1;
        int overlaps = 0;
        int stale = 0;
        int regressions = regressions(lease);
        long lastValid = faultNanos;
        long maxGap = 0;
        List<Long> epochs = new ArrayList<>();
        Map<String, Term> terms = new LinkedHashMap<>();
        for (Action a : actions(group)) {
            if (a.nanos() > endNanos) {
                break;
            }
            boolean afterFault = a.nanos() >= faultNanos;
            long leaseEpoch = highestAt(lease, a.nanos());
            Term term = terms.get(a.term());
            if (term == null) {
                // a new term must have an epoch above every one that acted, and not below the Lease's
                boolean regressed = a.epoch() <= highestEpoch || a.epoch() < leaseEpoch;
                term = new Term(a.replica(), a.epoch(), a.nanos(), regressed);
                terms.put(a.term(), term);
                regressions += regressed ? 1 : 0;
                takeover = takeover < 0 && afterFault ? a.nanos() - faultNanos : takeover;
            }
            if (a.epoch() < 0 || a.epoch() < newestEpoch || a.epoch() < leaseEpoch) {
                // an action of a term that had ended: a zombie's (fenced or not), or a regressed term's, which works
                stale++;
                if (term.regressed) {
                    term.until(a.nanos());
                }
                continue;
            }
            term.until(a.nanos());
            highestEpoch = Math.max(highestEpoch, a.epoch());
            if (a.epoch() > newestEpoch) {
                newestEpoch = a.epoch();
                owner = a.replica();
                epochs.add(a.epoch());
            } else if (!a.replica().equals(owner)) {
                overlaps++;
            }
            if (afterFault) {
                maxGap = Math.max(maxGap, a.nanos() - lastValid);
                lastValid = a.nanos();
            }
        }
        for (Completion c : completions(group)) {
            Term term = terms.get(c.term());
            if (c.nanos() > endNanos) {
                break;
            }
            if (c.epoch() < highestAt(lease, c.nanos()) || c.epoch() < newestAt(terms.values(), c.nanos())) {
                stale++; // its work went on after a newer term was granted or acted
            }
            if (term != null) {
                term.until(c.nanos()); // and for as long as it went on, both worked
            }
        }
        int fenced = 0;
        int staleAccepted = 0;
        long highestAccepted = Long.MIN_VALUE;
        for (FenceAnswer f : fenceAnswers(group)) {
            if (f.nanos() > endNanos) {
                break;
            }
            if (!f.accepted()) {
                fenced++;
                continue;
            }
            if (f.epoch() < highestAccepted || f.epoch() < highestAt(lease, f.nanos())) {
                staleAccepted++;
            }
            highestAccepted = Math.max(highestAccepted, f.epoch());
        }
        maxGap = Math.max(maxGap, endNanos - lastValid);
        List<Term> all = List.copyOf(terms.values());
        return new Reading(
                new Verdict(
                        takeover < 0 ? -1 : takeover / 1_000_000,
                        overlaps,
                        stale,
                        fenced,
                        staleAccepted,
                        maxGap / 1_000_000,
                        epochs.size(),
                        regressions,
                        bothActing(all)),
                all);
    }

    /**
     * How long, within [from, to], two replicas' terms were both working, in ms: the length of the union of every
     * pair's common time; 0 if they only touched, -1 if never.
     */
    private static long twoActors(List<Term> terms, long from, long to) {
        List<long[]> common = common(terms, from, to);
        if (common.isEmpty()) {
            return -1;
        }
        common.sort(Comparator.comparingLong(c -> c[0]));
        long total = 0;
        long start = common.get(0)[0];
        long end = common.get(0)[1];
        for (long[] c : common) {
            if (c[0] > end) {
                total += end - start;
                start = c[0];
            }
            end = Math.max(end, c[1]);
        }
        return (total + end - start) / 1_000_000;
    }

    /** The highest epoch of the terms that had started acting at {@code nanos}. */
    private static long newestAt(Collection<Term> terms, long nanos) {
        return terms.stream()
                .filter(t -> t.from <= nanos)
                .mapToLong(t -> t.epoch)
                .max()
                .orElse(Long.MIN_VALUE);
    }

    /** The longest time two replicas' terms both worked, in ms; -1 if never. */
    private static long bothActing(List<Term> terms) {
        return common(terms, Long.MIN_VALUE, Long.MAX_VALUE).stream()
                .mapToLong(c -> (c[1] - c[0]) / 1_000_000)
                .max()
                .orElse(-1);
    }

    /** The time, within [from, to], each pair of two replicas' terms both worked, as {start, end}. */
    private static List<long[]> common(List<Term> terms, long from, long to) {
        List<long[]> common = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            for (int j = i + 1; j < terms.size(); j++) {
                Term a = terms.get(i);
                Term b = terms.get(j);
                long start = Math.max(from, Math.max(a.from, b.from));
                long end = Math.min(to, Math.min(a.to, b.to));
                if (!a.replica.equals(b.replica) && end >= start) {
                    common.add(new long[] {start, end});
                }
            }
        }
        return common;
    }

    /**
     * The highest epoch a group's Lease had named up to {@code nanos}, of its states as the harness saw them, oldest
     * first; MIN_VALUE before its first state.
     */
    private static long highestAt(List<LeaseState> states, long nanos) {
        long highest = Long.MIN_VALUE;
        for (LeaseState s : states) {
            if (s.nanos() > nanos) {
                break;
            }
            highest = Math.max(highest, s.epoch());
        }
        return highest;
    }

    /** The states of a group's Lease whose epoch is below one the Lease named before them. */
    private static int regressions(List<LeaseState> states) {
        long highest = Long.MIN_VALUE;
        int regressions = 0;
        for (LeaseState s : states) {
            regressions += s.epoch() < highest ? 1 : 0;
            highest = Math.max(highest, s.epoch());
        }
        return regressions;
    }

    /** One replica process working with one epoch: from its first action's start to its last start or completion. */
    private static final class Term {

        final String replica;
        final long epoch;
        final long from;
        /** Whether it began with an epoch that was not above every earlier one. */
        final boolean regressed;

        long to;

        Term(String replica, long epoch, long from, boolean regressed) {
            this.replica = replica;
            this.epoch = epoch;
            this.from = from;
            this.regressed = regressed;
            this.to = from;
        }

        void until(long nanos) {
            to = Math.max(to, nanos);
        }
    }
}
