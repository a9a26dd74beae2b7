package io.k8sensus.camel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current {@link LeaderTerm} of every group this replica takes part in, and, while this replica leads a group,
 * until when its term may act. The election's driver writes both before it tells any listener of a change, so that a
 * leader-only route never starts without its epoch; every leader-only exchange reads the window
 * ({@link #mayAct}) without a lock before it runs.
 */
public class LeaderTerms {

    /** Until when ({@code untilNanos}, on the monotonic clock) this replica's term of {@code epoch} may act. */
    private record Window(long epoch, long untilNanos) {}

    private final Map<String, LeaderTerm> terms = new ConcurrentHashMap<>();
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public LeaderTerm current(String group) {
        return terms.getOrDefault(group, LeaderTerm.none(group));
    }

    public void update(LeaderTerm term) {
        terms.put(term.group(), term);
    }

    /**
     * This replica's term {@code epoch} of {@code group} may act until {@code untilNanos} (the renew deadline the
     * elector computed; {@link Long#MAX_VALUE} where the election gives none). Replaces the previous window.
     */
    public void open(String group, long epoch, long untilNanos) {
        windows.put(group, new Window(epoch, untilNanos));
    }

    /** No term of this replica may act for {@code group} any more, until the next {@link #open}. */
    public void close(String group) {
        windows.remove(group);
    }

    /** Whether this replica's term {@code epoch} of {@code group} may act at {@code now}. */
    public boolean mayAct(String group, long epoch, long now) {
        Window window = windows.get(group);
        return window != null && window.epoch() == epoch && now < window.untilNanos();
    }
}
