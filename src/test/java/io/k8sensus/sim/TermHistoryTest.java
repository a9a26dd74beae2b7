package io.k8sensus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The history checker's verdicts, on hand-made histories: what it calls a violation, and the narrow cases it counts as
 * the documented limit instead. A checker that excused too much would let the simulation pass what it should not.
 */
class TermHistoryTest {

    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    long now;
    final TermHistory history = new TermHistory(() -> now, null);

    @Test
    void two_terms_at_once_are_a_violation_even_after_the_lease_was_deleted_when_neither_is_blind() {
        history.mayAct("g", "r0#0", 1, 2000 * MS, false);
        history.blindCreation("g"); // some process re-created the Lease blind; these two terms are not its
        now = 500 * MS;
        history.mayAct("g", "r1#0", 2, 2500 * MS, false);
        assertThat(history.violation()).startsWith("two processes may act at once");
        assertThat(history.limitation()).isFalse();
    }

    @Test
    void two_terms_at_once_where_one_is_a_blind_creations_are_the_documented_limit() {
        history.mayAct("g", "r0#0", 1, 2000 * MS, false);
        now = 500 * MS;
        history.mayAct("g", "r1#1", 0, 2500 * MS, true);
        assertThat(history.violation()).isNull();
        assertThat(history.limitation()).isTrue();
    }

    @Test
    void two_terms_at_once_are_the_documented_limit_only_where_a_hand_write_hid_one_from_the_other_process() {
        history.mayAct("g", "r1#0", 1, 2000 * MS, false); // its record was replaced by a backup before r0 saw it
        now = 500 * MS;
        history.mayAct("g", "r0#0", 2, 2500 * MS, false, Set.of(TermHistory.term("r1", 1)));
        assertThat(history.violation()).isNull();
        assertThat(history.limitation()).isTrue();

        TermHistory seen = new TermHistory(() -> now, null);
        now = 0;
        seen.mayAct("g", "r1#0", 1, 2000 * MS, false);
        now = 500 * MS;
        // another term was hidden from r0, not r1's: r0 could know r1's term
        seen.mayAct("g", "r0#0", 2, 2500 * MS, false, Set.of(TermHistory.term("r2", 1)));
        assertThat(seen.violation()).startsWith("two processes may act at once");
    }

    @Test
    void an_epoch_not_above_an_earlier_terms_is_the_documented_limit_only_where_every_such_term_was_hidden_from_it() {
        history.mayAct("g", "r2#0", 1, 500 * MS, false);
        now = 600 * MS;
        history.mayAct("g", "r0#1", 2, 1500 * MS, false);
        now = 2000 * MS;
        history.mayAct("g", "r1#0", 2, 3000 * MS, false, Set.of(TermHistory.term("r0", 2)));
        assertThat(history.violation()).isNull();
        assertThat(history.limitation()).isTrue();

        TermHistory partly = new TermHistory(() -> now, null);
        now = 0;
        partly.mayAct("g", "r0#1", 2, 500 * MS, false);
        now = 600 * MS;
        partly.mayAct("g", "r2#0", 3, 1500 * MS, false);
        now = 2000 * MS;
        // r0's epoch 2 was hidden from r1, but r2's epoch 3 was not
        partly.mayAct("g", "r1#0", 2, 3000 * MS, false, Set.of(TermHistory.term("r0", 2)));
        assertThat(partly.violation()).contains("not above the 3");
    }

    @Test
    void an_epoch_that_does_not_grow_is_a_violation_unless_a_blind_creation_or_a_lost_epoch_came_before() {
        history.mayAct("g", "r0#0", 3, 1000 * MS, false);
        now = 2000 * MS;
        history.closed("g", "r0#0");
        history.mayAct("g", "r1#0", 3, 3000 * MS, false);
        assertThat(history.violation()).contains("not above the 3");

        TermHistory lost = new TermHistory(() -> now, null);
        now = 0;
        lost.mayAct("g", "r0#0", 3, 1000 * MS, false);
        lost.epochLost("g");
        now = 2000 * MS;
        lost.closed("g", "r0#0");
        lost.mayAct("g", "r1#0", 3, 3000 * MS, false);
        assertThat(lost.violation()).isNull();
        assertThat(lost.limitation()).isTrue();
    }

    @Test
    void a_lost_epoch_excuses_no_two_terms_at_once() {
        history.mayAct("g", "r0#0", 3, 2000 * MS, false);
        history.epochLost("g");
        now = 500 * MS;
        history.mayAct("g", "r1#0", 4, 2500 * MS, false);
        assertThat(history.violation()).startsWith("two processes may act at once");
    }

    @Test
    void one_groups_limit_excuses_nothing_in_another_group() {
        history.blindCreation("g0");
        history.epochLost("g0");
        history.mayAct("g1", "r0#0", 2, 1000 * MS, false);
        now = 1500 * MS;
        history.closed("g1", "r0#0");
        history.mayAct("g1", "r1#0", 2, 3000 * MS, false);
        assertThat(history.violation()).contains("g1").contains("not above the 2");
    }

    @Test
    void an_exchange_started_outside_its_window_or_after_a_newer_terms_is_a_violation() {
        history.mayAct("g", "r0#0", 1, 1000 * MS, false);
        now = 500 * MS;
        history.exchangeStarted("g", "r0#0", 1);
        assertThat(history.violation()).isNull();
        now = 1200 * MS; // past its renew deadline, the window still open (its timer has not fired)
        history.exchangeStarted("g", "r0#0", 1);
        assertThat(history.violation()).contains("outside its window");
    }

    @Test
    void an_exchange_of_an_epoch_repeated_after_a_term_hidden_from_its_process_is_the_documented_limit_only_then() {
        // seed 5756066: r1's term of epoch 1 was replaced by a backup before r0 saw it; r0 took epoch 1 again
        r0RepeatsEpochOneAfterR1sExchange(history, TermHistory.term("r1", 1));
        assertThat(history.violation()).isNull();
        assertThat(history.limitation()).isTrue();

        // another term was hidden from r0, not r1's: r0 could know r1's term, so its epoch 1 again is a violation
        TermHistory seen = new TermHistory(() -> now, null);
        r0RepeatsEpochOneAfterR1sExchange(seen, TermHistory.term("r2", 1));
        assertThat(seen.violation()).contains("not above the 1");
        assertThat(seen.limitation()).isFalse();
    }

    /** r1 leads with epoch 1 and starts an exchange, its term ends; then r0, from which {@code hidden} was hidden, takes epoch 1 and starts one. */
    private void r0RepeatsEpochOneAfterR1sExchange(TermHistory h, String hidden) {
        now = 0;
        h.mayAct("g", "r1#0", 1, 2000 * MS, false);
        now = 200 * MS;
        h.exchangeStarted("g", "r1#0", 1);
        now = 500 * MS;
        h.closed("g", "r1#0"); // its renewal refused
        now = 600 * MS;
        h.mayAct("g", "r0#0", 1, 2600 * MS, false, Set.of(hidden));
        now = 900 * MS;
        h.exchangeStarted("g", "r0#0", 1);
    }

    @Test
    void an_action_of_an_older_epoch_after_a_newer_one_is_refused_by_the_fence_and_counted() {
        history.acted("g", 2);
        history.acted("g", 1); // a paused leader's exchange, ending once it wakes
        history.acted("g", 2);
        assertThat(history.fenced()).isEqualTo(1);
    }
}
