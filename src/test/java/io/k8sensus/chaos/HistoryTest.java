package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checker on made-up histories: times in ms, the fault at 1000. */
class HistoryTest {

    private static final long FAULT = ms(1000);

    private final History history = new History();

    @Test
    void a_handover_to_a_higher_epoch_passes() {
        beats("replica-1", 1, 3, 0, 1000);
        beats("replica-2", 1, 4, 1100, 3000);
        History.Verdict v = history.check(FAULT, ms(3000));
        assertThat(v.takeoverMs()).isEqualTo(100);
        assertThat(v.epochRegressions()).isZero();
        assertThat(v.bothActingMs()).isEqualTo(-1);
        assertThat(v.stale()).isZero();
    }

    @Test
    void a_lease_recreated_with_a_lower_epoch_while_the_old_leader_acts_is_both_a_regression_and_both_acting() {
        beats("replica-2", 1, 1, 0, 1800);
        beats("replica-3", 1, 0, 1100, 3000);
        History.Verdict v = history.check(FAULT, ms(3000));
        assertThat(v.takeoverMs()).isEqualTo(100);
        assertThat(v.epochRegressions()).isEqualTo(1);
        assertThat(v.bothActingMs()).isEqualTo(700);
    }

    @Test
    void a_restarted_replica_that_reuses_its_earlier_lifes_epoch_starts_a_new_term() {
        beats("replica-1", 1, 0, 0, 500);
        beats("replica-2", 1, 1, 600, 1000);
        beats("replica-1", 2, 0, 1100, 3000);
        assertThat(history.check(FAULT, ms(3000)).epochRegressions()).isEqualTo(1);
    }

    @Test
    void a_paused_leader_that_resumes_stays_in_its_term() {
        beats("replica-1", 1, 2, 0, 1000);
        beats("replica-2", 1, 3, 5000, 6000);
        history.onLine("replica-1", 1, "leader heartbeat group=heartbeat leader=replica-1 epoch=2 seq=99", ms(5500));
        History.Verdict v = history.check(FAULT, ms(6000));
        assertThat(v.epochRegressions()).isZero();
        assertThat(v.stale()).isEqualTo(1);
        assertThat(v.bothActingMs())
                .as("the stale action is counted as such, not as a term's work")
                .isEqualTo(-1);
    }

    @Test
    void an_old_leader_acting_after_the_lease_names_a_newer_term_is_stale_before_the_new_leader_acts() {
        lease(0, "replica-1", 2);
        beats("replica-1", 1, 2, 0, 1000);
        lease(1050, "replica-2", 3);
        // replica-1 acts once more, after replica-2 took the Lease and before replica-2's first action
        history.onLine("replica-1", 1, "leader heartbeat group=heartbeat leader=replica-1 epoch=2 seq=99", ms(1080));
        beats("replica-2", 1, 3, 1200, 3000);
        History.Verdict v = history.check(FAULT, ms(3000));
        assertThat(v.stale()).isEqualTo(1);
        assertThat(v.overlaps()).isZero();
        assertThat(v.takeoverMs()).isEqualTo(200);
    }

    @Test
    void the_whole_run_is_checked_start_up_included() {
        beats("replica-1", 1, 1, 0, 300);
        beats("replica-2", 1, 1, 200, 400); // two replicas with one epoch, long before the fault
        beats("replica-1", 1, 1, 500, 3000);
        History.Verdict v = history.check(FAULT, ms(3000));
        assertThat(v.overlaps()).isPositive();
        assertThat(v.bothActingMs()).isEqualTo(200);
    }

    @Test
    void a_lease_that_goes_back_to_a_lower_epoch_is_a_regression() {
        lease(0, "replica-1", 4);
        lease(500, "replica-3", 0); // deleted and created anew at 0
        beats("replica-1", 1, 4, 0, 3000);
        assertThat(history.check(FAULT, ms(3000)).epochRegressions()).isEqualTo(1);
    }

    @Test
    void the_fences_refusals_are_counted_and_a_stale_action_it_let_through_is_caught() {
        lease(0, "replica-1", 2);
        fence(100, "replica-1", 2, true);
        lease(1000, "replica-2", 3);
        fence(1100, "replica-2", 3, true);
        fence(1200, "replica-1", 2, false); // refused: the fence has seen epoch 3
        fence(1300, "replica-1", 2, true); // let through although the Lease names epoch 3
        // a refusal quoted in another line (a route's failure log) is not another refusal
        history.onLine(
                "receiver",
                1,
                "WARN k.route - event=route-failing route=fenced-actions cause=\"StaleLeader"
                        + "Exception: event=fence-rejected group=heartbeat leader=replica-1 epoch=2\"",
                ms(1210));
        History.Verdict v = history.check(History.HEARTBEAT, FAULT, ms(2000));
        assertThat(v.fenced()).isEqualTo(1);
        assertThat(v.staleAccepted()).isEqualTo(1);
    }

    @Test
    void work_still_in_flight_on_the_old_leader_overlaps_the_new_leaders_first_start() {
        for (int seq = 1; seq <= 4; seq++) {
            long start = 500L * seq;
            work("replica-1", 0, seq, start, "started");
            work("replica-1", 0, seq, start + 1500, "done");
        }
        work("replica-2", 1, 1, 2100, "started");
        work("replica-2", 1, 1, 3600, "done");
        History.Verdict v = history.check("slow", FAULT, ms(4000));
        assertThat(v.takeoverMs()).isEqualTo(1100);
        assertThat(v.bothActingMs()).as("replica-1's last completion at 3500").isEqualTo(1400);
        assertThat(v.stale()).as("replica-1's completions at 2500, 3000, 3500").isEqualTo(3);
        assertThat(history.check(FAULT, ms(4000)).takeoverMs())
                .as("the heartbeat's group saw nothing")
                .isEqualTo(-1);
    }

    @Test
    void a_window_counts_its_actions_and_the_terms_that_began_in_it() {
        beats("replica-1", 1, 1, 0, 1400);
        beats("replica-2", 1, 2, 1550, 3050);
        History.Window w = history.window(History.HEARTBEAT, ms(1000), ms(3000));
        assertThat(w.actions()).as("1000..1400 and 1550..2950").isEqualTo(5 + 15);
        assertThat(w.newTerms()).isEqualTo(1);
        assertThat(w.twoActorsMs()).isEqualTo(-1);
        assertThat(w.stale()).isZero();
        assertThat(history.window(History.HEARTBEAT, ms(1600), ms(3000)).newTerms())
                .isZero();
    }

    @Test
    void a_windows_time_with_two_actors_is_the_union_of_every_pairs_common_time() {
        beats("replica-1", 1, 1, 0, 3000);
        beats("replica-2", 1, 1, 1200, 1700);
        beats("replica-3", 1, 1, 1500, 2000);
        assertThat(history.window(History.HEARTBEAT, ms(1000), ms(3000)).twoActorsMs())
                .isEqualTo(800);
        assertThat(history.window(History.HEARTBEAT, ms(1000), ms(1300)).twoActorsMs())
                .as("clipped")
                .isEqualTo(100);
    }

    @Test
    void a_windows_stale_actions_are_those_that_arrived_in_it() {
        beats("replica-1", 1, 2, 0, 1000);
        beats("replica-2", 1, 3, 5000, 6000);
        history.onLine("replica-1", 1, "leader heartbeat group=heartbeat leader=replica-1 epoch=2 seq=99", ms(5500));
        assertThat(history.window(History.HEARTBEAT, ms(1000), ms(6000)).stale())
                .isEqualTo(1);
        assertThat(history.window(History.HEARTBEAT, ms(5600), ms(6000)).stale())
                .isZero();
    }

    @Test
    void an_old_leader_that_goes_on_acting_after_a_new_term_began_is_a_second_actor_in_a_window() {
        beats("replica-1", 1, 2, 0, 2000); // stale from 1600 on
        beats("replica-2", 1, 3, 1550, 3000);
        History.Window w = history.window(History.HEARTBEAT, ms(1000), ms(3000));
        assertThat(w.stale()).isEqualTo(5);
        assertThat(w.twoActorsMs())
                .as("1550 to 2000, the stale actions included")
                .isEqualTo(450);
        assertThat(history.check(FAULT, ms(3000)).bothActingMs())
                .as("the verdict leaves them to the fence")
                .isEqualTo(-1);
    }

    private void beats(String replica, int life, long epoch, long fromMs, long toMs) {
        for (long t = fromMs; t <= toMs; t += 100) {
            history.onLine(
                    replica,
                    life,
                    "12:00:00.000 INFO  [timer] leader-heartbeat - leader heartbeat" + " group=heartbeat leader="
                            + replica + " epoch=" + epoch + " seq=" + t,
                    ms(t));
        }
    }

    private void lease(long atMs, String holder, long epoch) {
        history.onLease(History.HEARTBEAT, holder, epoch, ms(atMs));
    }

    private void fence(long atMs, String leader, long epoch, boolean accepted) {
        history.onLine(
                "receiver",
                1,
                accepted
                        ? "INFO fenced-actions - accepted action group=heartbeat leader=" + leader + " epoch=" + epoch
                        : "WARN k.fence - event=fence-rejected group=heartbeat leader=" + leader + " epoch=" + epoch
                                + " reason=\"a newer term has acted\"",
                ms(atMs));
    }

    private void work(String replica, long epoch, long seq, long atMs, String what) {
        history.onLine(
                replica,
                1,
                "leader work " + what + " group=slow leader=" + replica + " epoch=" + epoch + " seq=" + seq,
                ms(atMs));
    }

    private static long ms(long ms) {
        return ms * 1_000_000;
    }
}
