package io.k8sensus.camel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current {@link LeaderTerm} of every group this replica takes part in. Written by {@link LeaseTermView} before it
 * tells any listener of a change, so that a leader-only route never starts without its epoch.
 */
public class LeaderTerms {

    private final Map<String, LeaderTerm> terms = new ConcurrentHashMap<>();

    public LeaderTerm current(String group) {
        return terms.getOrDefault(group, LeaderTerm.none(group));
    }

    public void update(LeaderTerm term) {
        terms.put(term.group(), term);
    }
}
