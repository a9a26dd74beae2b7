package io.k8sensus.elector;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8sensus.elector.ElectorTest.Replica;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One group's turn as the driver makes it: the handovers that end a term on purpose (this Pod leaves the candidates,
 * the replica shuts down) stop the routes first, keep the term while its work drains, and release it only then. Fake
 * clock, answers by hand, no thread. Timings of {@link ElectorTest}: lease 3 s, renew deadline 2 s, retry 0.5 s.
 */
class GroupTurnTest {

    private final Replica a = new Replica("a").leads(2);
    private final GroupTurn turn = new GroupTurn("g", a.elector, Balancer.off("a", ElectorTest.TIMINGS));
    private int work;

    private GroupTurn.Turn step() {
        GroupTurn.Turn t = turn.step(a.now(), () -> work);
        a.last = t.request();
        return t;
    }

    /** Answers a renewal as the API server would, so that the term goes on. */
    private void renewed() {
        a.ok(((LeaseRequest.Renew) a.last).term().withVersion("v" + a.nowMs));
    }

    @Test
    void a_suspended_term_tells_its_routes_nobody_leads_and_gives_them_the_same_epoch_back_when_a_renewal_lands() {
        turn.onCandidates(Set.of("a", "b"), a.now());
        long acquiredAt = a.nowMs;
        a.after(500);
        LeaseRequest renew = step().request();
        assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);
        a.at(acquiredAt + 2000);
        turn.onDeadline(a.now());
        assertThat(turn.routesLeader()).as("suspended: the routes stop").isNull();
        assertThat(turn.routesMayActUntil()).isEqualTo(Long.MIN_VALUE);
        assertThat(a.elector.leader()).as("the term is still this replica's").isEqualTo("a");

        a.at(acquiredAt + 2100);
        turn.onAnswer(renew, new Answer.Ok(ElectorTest.landed(renew, "r2")), a.now());
        assertThat(turn.routesLeader()).isEqualTo("a");
        assertThat(a.elector.epoch()).isEqualTo(2);
        assertThat(turn.routesMayActUntil()).isEqualTo((acquiredAt + 2500) * ElectorTest.MS);
    }

    @Test
    void a_leader_whose_pod_leaves_with_work_in_flight_stops_its_routes_keeps_the_term_and_releases_once_done() {
        turn.onCandidates(Set.of("a"), a.now());
        assertThat(turn.routesLeader()).isEqualTo("a");
        work = 2;

        turn.onCandidates(Set.of("b"), a.now());
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        assertThat(turn.routesLeader()).as("its routes are told nobody leads").isNull();
        assertThat(turn.routesMayActUntil()).as("no exchange may start").isEqualTo(Long.MIN_VALUE);

        for (int i = 0; i < 4; i++) { // 2 s: past the renew deadline, which only renewals keep ahead
            a.after(500);
            GroupTurn.Turn t = step();
            assertThat(t.handover()).isEqualTo(Handover.Step.DRAINING);
            assertThat(t.request())
                    .as("the term is renewed while its work drains")
                    .isInstanceOf(LeaseRequest.Renew.class);
            renewed();
        }
        assertThat(a.elector.leads())
                .as("nobody else may take the Lease while the work runs")
                .isTrue();

        work = 0;
        a.after(50);
        GroupTurn.Turn done = step();
        assertThat(done.handover()).isEqualTo(Handover.Step.RELEASING);
        assertThat(done.request()).isInstanceOf(LeaseRequest.Release.class);
        assertThat(a.elector.mayAct(a.now())).isFalse();
    }

    @Test
    void work_that_outlasts_a_lease_duration_after_the_pod_left_is_left_to_its_old_epoch_and_the_term_released() {
        work = 1;
        turn.onCandidates(Set.of("b"), a.now());
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        for (int i = 0; i < 6; i++) { // 3 s: one lease duration
            a.after(500);
            assertThat(step().handover()).isEqualTo(Handover.Step.DRAINING);
            renewed();
        }
        a.after(1);
        GroupTurn.Turn t = step();
        assertThat(t.handover()).isEqualTo(Handover.Step.RELEASING_WITH_WORK);
        assertThat(turn.handover().workLeft()).isEqualTo(1);
        assertThat(t.request()).isInstanceOf(LeaseRequest.Release.class);
    }

    @Test
    void a_pod_ready_again_while_its_work_drains_keeps_the_group_and_its_routes_start_again() {
        work = 1;
        turn.onCandidates(Set.of("b"), a.now());
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        a.after(500);
        step();
        renewed();

        turn.onCandidates(Set.of("a", "b"), a.now());
        a.after(50);
        assertThat(step().handover()).isEqualTo(Handover.Step.CANCELLED);
        assertThat(turn.routesLeader()).isEqualTo("a");
        assertThat(turn.routesMayActUntil()).isGreaterThan(a.now());
    }

    @Test
    void a_stopping_replica_releases_a_group_as_soon_as_its_own_work_is_done_and_never_takes_it_again() {
        turn.onCandidates(Set.of("a", "b"), a.now());
        work = 1;
        turn.onStopping();
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        assertThat(turn.routesMayActUntil()).isEqualTo(Long.MIN_VALUE);
        a.after(50);
        assertThat(step().handover()).isEqualTo(Handover.Step.DRAINING);

        work = 0;
        a.after(50);
        GroupTurn.Turn t = step();
        assertThat(t.handover()).isEqualTo(Handover.Step.RELEASING);
        assertThat(t.request()).isInstanceOf(LeaseRequest.Release.class);
        a.ok(null);
        a.sees(ElectorTest.lease(null, 2, null, null, 0, "v9"));
        a.after(10_000);
        assertThat(step().request()).as("a stopped replica takes nothing").isNull();
    }

    @Test
    void the_driver_looks_again_soon_while_a_handover_drains() {
        work = 1;
        turn.onCandidates(Set.of("b"), a.now());
        assertThat(turn.nextStepAt(a.now())).as("the next renewal").isEqualTo(a.now() + 500 * ElectorTest.MS);
        step();
        assertThat(turn.nextStepAt(a.now())).isEqualTo(a.now() + GroupTurn.HANDOVER_POLL_NANOS);
    }

    @Test
    void a_leader_asked_to_step_down_waits_for_another_candidate_drains_releases_and_then_holds_back() {
        turn.onCandidates(Set.of("a"), a.now());
        turn.onStepDownAsked(true);
        assertThat(step().handover())
                .as("no other candidate to take the group: it stays")
                .isEqualTo(Handover.Step.NONE);
        assertThat(turn.routesLeader()).isEqualTo("a");

        work = 1;
        turn.onCandidates(Set.of("a", "b"), a.now());
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        assertThat(turn.handover().cause()).isEqualTo(Handover.Cause.REQUESTED);
        assertThat(turn.routesMayActUntil()).as("no exchange may start").isEqualTo(Long.MIN_VALUE);
        a.after(500);
        GroupTurn.Turn draining = step();
        assertThat(draining.handover()).isEqualTo(Handover.Step.DRAINING);
        renewed();

        work = 0;
        a.after(50);
        GroupTurn.Turn done = step();
        assertThat(done.handover()).isEqualTo(Handover.Step.RELEASING);
        LeaseRequest.Release release = (LeaseRequest.Release) done.request();
        LeaseRecord freed = new LeaseRecord(null, 2, null, null, 0, "v-free");
        a.ok(freed);
        turn.onStepDownAsked(false); // the release cleared the request
        turn.onLease(freed, a.now());

        a.after(2900);
        assertThat(step().request())
                .as("held back for a lease duration, so that another takes the group")
                .isNull();
        a.after(200);
        assertThat(step().request())
                .as("nobody took it: this replica may again")
                .isInstanceOf(LeaseRequest.Acquire.class);
        assertThat(release.term().epoch()).isEqualTo(2);
    }

    @Test
    void a_request_to_step_down_withdrawn_before_the_work_drained_leaves_the_group_here() {
        turn.onCandidates(Set.of("a", "b"), a.now());
        work = 1;
        turn.onStepDownAsked(true);
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        turn.onStepDownAsked(false);
        a.after(50);
        assertThat(step().handover()).isEqualTo(Handover.Step.CANCELLED);
        assertThat(turn.routesLeader()).isEqualTo("a");
    }

    // ------------------------------------------------------------------------------- with the balancer switched on

    private static final long LEASE = ElectorTest.TIMINGS.leaseDurationNanos();

    /**
     * Replica a leads g here and f1, f2 elsewhere on this replica; b leads nothing: the balancer moves g (the last by
     * name) to b. Returns the turn of g, its group's Lease reported to the balancer a retry period ago.
     */
    private GroupTurn balancing() {
        Balancer balancer = new Balancer("a", ElectorTest.TIMINGS, true);
        balancer.onCandidates(Set.of("a", "b"), 0);
        balancer.onLeader("f1", "a", 0);
        balancer.onLeader("f2", "a", 0);
        GroupTurn g = new GroupTurn("g", a.elector, balancer);
        g.onCandidates(Set.of("a", "b"), a.now());
        g.reportLeader(a.now());
        a.after(500);
        return g;
    }

    private GroupTurn.Turn step(GroupTurn g) {
        GroupTurn.Turn t = g.step(a.now(), () -> work);
        a.last = t.request();
        return t;
    }

    @Test
    void a_move_for_balance_drains_releases_and_says_the_release_was_for_balance() {
        GroupTurn g = balancing();
        work = 1;
        assertThat(step(g).handover()).isEqualTo(Handover.Step.STARTED);
        assertThat(g.handover().cause()).isEqualTo(Handover.Cause.BALANCE);
        assertThat(g.handover().move()).isEqualTo(new Balancer.Move(g.group(), 3, 0, Set.of("b")));
        assertThat(g.balancer().moveUnderWay()).isTrue();
        assertThat(g.routesLeader()).isNull();
        a.after(50);
        assertThat(step(g).handover()).isEqualTo(Handover.Step.DRAINING);
        work = 0;
        a.after(50);
        GroupTurn.Turn done = step(g);
        assertThat(done.handover()).isEqualTo(Handover.Step.RELEASING);
        a.ok(new LeaseRecord(null, 2, null, null, 0, "v-free"));
        assertThat(a.events).contains(new ElectionEvent.Released(2, true));
    }

    @Test
    void a_move_that_no_longer_balances_before_its_work_drained_is_called_off_and_the_routes_start_again() {
        GroupTurn g = balancing();
        work = 1;
        assertThat(step(g).handover()).isEqualTo(Handover.Step.STARTED);
        g.balancer().onLeader("f1", "b", a.now()); // failovers meanwhile: 1 and 2
        g.balancer().onLeader("f2", "b", a.now());
        a.after(50);
        assertThat(step(g).handover()).isEqualTo(Handover.Step.CANCELLED);
        assertThat(g.balancer().moveUnderWay()).isFalse();
        assertThat(g.routesLeader()).isEqualTo("a");
        assertThat(g.elector().leads()).isTrue();
    }

    @Test
    void a_move_whose_work_outlasts_a_lease_duration_is_abandoned_and_the_group_stays() {
        GroupTurn g = balancing();
        work = 1;
        assertThat(step(g).handover()).isEqualTo(Handover.Step.STARTED);
        for (int i = 0; i < 6; i++) { // 3 s: one lease duration
            a.after(500);
            assertThat(step(g).handover()).isEqualTo(Handover.Step.DRAINING);
            renewed();
        }
        a.after(1);
        assertThat(step(g).handover()).isEqualTo(Handover.Step.ABANDONED);
        assertThat(g.routesLeader()).isEqualTo("a");
        assertThat(g.balancer().moveUnderWay()).isFalse();
        assertThat(g.balancer().move(a.now() + LEASE - 1))
                .as("g backs off a lease duration; another group moves")
                .map(Balancer.Move::group)
                .hasValue("f2");
    }

    @Test
    void a_move_becomes_a_departure_when_the_pod_leaves_meanwhile() {
        GroupTurn g = balancing();
        work = 1;
        assertThat(step(g).handover()).isEqualTo(Handover.Step.STARTED);
        g.onCandidates(Set.of("b"), a.now());
        a.after(50);
        assertThat(step(g).handover()).isEqualTo(Handover.Step.DRAINING);
        assertThat(g.handover().cause()).isEqualTo(Handover.Cause.LEFT);
        assertThat(g.balancer().moveUnderWay())
                .as("the balancer counts the move no more")
                .isFalse();
        work = 0;
        a.after(50);
        assertThat(step(g).handover()).isEqualTo(Handover.Step.RELEASING);
        a.ok(new LeaseRecord(null, 2, null, null, 0, "v-free"));
        assertThat(a.events).contains(new ElectionEvent.Released(2, false));
    }

    // ------------------------------------------------------------------------------- more of the handovers

    @Test
    void a_stop_during_a_departure_waits_for_the_work_however_long_it_takes() {
        work = 1;
        turn.onCandidates(Set.of("b"), a.now());
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        turn.onStopping();
        for (int i = 0; i < 8; i++) { // 4 s: past a lease duration
            a.after(500);
            assertThat(step().handover()).isEqualTo(Handover.Step.DRAINING);
            renewed();
        }
        assertThat(turn.handover().cause()).isEqualTo(Handover.Cause.STOPPING);
        work = 0;
        a.after(50);
        assertThat(step().handover()).isEqualTo(Handover.Step.RELEASING);
    }

    @Test
    void a_step_down_whose_work_outlasts_a_lease_duration_is_released_anyway_and_then_held_back() {
        turn.onCandidates(Set.of("a", "b"), a.now());
        turn.onStepDownAsked(true);
        work = 1;
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        for (int i = 0; i < 6; i++) {
            a.after(500);
            assertThat(step().handover()).isEqualTo(Handover.Step.DRAINING);
            renewed();
        }
        a.after(1);
        assertThat(step().handover()).isEqualTo(Handover.Step.RELEASING_WITH_WORK);
        LeaseRecord freed = new LeaseRecord(null, 2, null, null, 0, "v-free");
        a.ok(freed);
        turn.onStepDownAsked(false);
        a.after(2900);
        assertThat(step().request())
                .as("held back, so that another takes the group")
                .isNull();
    }

    @Test
    void the_hold_back_after_a_step_down_lasts_a_lease_duration_from_the_release_not_from_its_answer() {
        turn.onCandidates(Set.of("a", "b"), a.now());
        turn.onStepDownAsked(true);
        work = 0;
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        a.after(50);
        assertThat(step().handover()).isEqualTo(Handover.Step.RELEASING);
        long releasedAt = a.nowMs;
        a.after(100).ok(new LeaseRecord(null, 2, null, null, 0, "v-free")); // answered 100 ms later
        turn.onStepDownAsked(false);
        a.at(releasedAt + 3000);
        assertThat(step().request()).isInstanceOf(LeaseRequest.Acquire.class);
    }

    @Test
    void after_its_hold_back_a_replica_that_stepped_down_takes_a_lease_released_later_at_once_like_any_other() {
        turn.onCandidates(Set.of("a", "b"), a.now());
        turn.onStepDownAsked(true);
        work = 0;
        step();
        a.after(50);
        assertThat(step().handover()).isEqualTo(Handover.Step.RELEASING);
        a.ok(new LeaseRecord(null, 2, null, null, 0, "v-free"));
        turn.onStepDownAsked(false);
        a.after(100);
        for (int i = 0; i < 20; i++) { // b took the group and renews it; the driver turns on, 10 s
            LeaseRecord renewedByB = ElectorTest.held("b", 3, "r" + i, "v-b" + i);
            turn.onLease(renewedByB, a.now());
            a.after(500);
            if (step().request() instanceof LeaseRequest.Read) {
                a.ok(renewedByB);
            }
            assertThat(a.elector.leader()).isEqualTo("b");
        }
        turn.onLease(new LeaseRecord(null, 3, null, null, 0, "v-b-free"), a.now()); // b released it
        assertThat(step().request()).isEqualTo(new LeaseRequest.Acquire("v-b-free", "a", 4, 3));
    }

    @Test
    void a_term_that_ends_on_its_own_during_a_handover_ends_the_handover() {
        work = 1;
        turn.onCandidates(Set.of("b"), a.now());
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
        a.after(500);
        step();
        a.answer(new Answer.TermLost()); // its renewal refused: the Lease holds another term
        a.after(50);
        assertThat(step().handover()).isEqualTo(Handover.Step.ENDED);
        assertThat(turn.handover().underWay()).isFalse();
    }

    @Test
    void a_suspended_term_hands_nothing_over_until_it_acts_again() {
        turn.onCandidates(Set.of("a", "b"), a.now());
        long acquiredAt = a.nowMs;
        a.after(500);
        LeaseRequest renew = step().request();
        a.at(acquiredAt + 2000);
        turn.onDeadline(a.now());
        turn.onStopping();
        assertThat(step().handover())
                .as("suspended: it may not act, so it has nothing to hand over")
                .isEqualTo(Handover.Step.NONE);
        turn.onAnswer(renew, new Answer.Ok(ElectorTest.landed(renew, "r2")), a.now());
        assertThat(step().handover()).isEqualTo(Handover.Step.STARTED);
    }

    // ------------------------------------------------------------------------------- the turn's own parts

    @Test
    void a_stop_of_the_turn_stops_the_elector_and_releases_the_term() {
        turn.stop(a.now(), true);
        assertThat(turn.elector().mayAct(a.now())).isFalse();
        assertThat(step().request()).isInstanceOf(LeaseRequest.Release.class);
    }

    @Test
    void a_follower_whose_watch_is_down_reads_the_lease_every_retry_period() {
        Replica b = new Replica("b");
        GroupTurn follower = new GroupTurn("g", b.elector, Balancer.off("b", ElectorTest.TIMINGS));
        follower.onCandidates(Set.of("a", "b"), b.now());
        LeaseRecord held = ElectorTest.held("a", 2, "r1", "v1");
        follower.onLease(held, b.now());
        follower.onWatch(false);
        assertThat(follower.step(b.now(), () -> 0).request()).isEqualTo(new LeaseRequest.Read());
    }

    @Test
    void a_group_left_is_forgotten_by_the_balancer_and_nothing_after_tells_it_of_the_group_again() {
        Balancer balancer = new Balancer("a", ElectorTest.TIMINGS, true);
        balancer.onCandidates(Set.of("a", "b"), 0);
        balancer.onLeader("f1", "a", 0);
        GroupTurn g = new GroupTurn("g", a.elector, balancer);
        g.onRunners(Map.of("a", "p1", "b", "p1"), Map.of("b", 5), a.now()); // b leads 5 groups a does not run
        g.reportLeader(a.now());
        assertThat(balancer.loads()).containsOnly(Map.entry("a", 2), Map.entry("b", 5));
        g.leave();
        assertThat(balancer.loads()).containsOnly(Map.entry("a", 1), Map.entry("b", 0));
        g.onRunners(Map.of("a", "p1", "b", "p1"), Map.of("b", 7), a.now()); // a last delivery of its Lease
        g.reportLeader(a.now());
        assertThat(balancer.loads()).containsOnly(Map.entry("a", 1), Map.entry("b", 0));
    }

    @Test
    void the_candidates_reach_the_balancer_too() {
        Balancer balancer = new Balancer("a", ElectorTest.TIMINGS, true);
        GroupTurn g = new GroupTurn("g", a.elector, balancer);
        g.onCandidates(Set.of("a", "b", "c"), a.now());
        g.reportLeader(a.now());
        assertThat(balancer.loads()).containsOnly(Map.entry("a", 1), Map.entry("b", 0), Map.entry("c", 0));
    }

    @Test
    void only_the_turn_of_the_group_the_balancer_picked_hands_it_over() {
        Balancer balancer = new Balancer("a", ElectorTest.TIMINGS, true);
        balancer.onCandidates(Set.of("a", "b"), 0);
        balancer.onLeader("f1", "a", 0);
        balancer.onLeader("f2", "a", 0); // the balancer picks f2, the last by name
        GroupTurn e = new GroupTurn("e", a.elector, balancer);
        e.onCandidates(Set.of("a", "b"), a.now());
        e.reportLeader(a.now());
        a.after(500);
        assertThat(balancer.move(a.now())).map(Balancer.Move::group).hasValue("f2");
        assertThat(e.step(a.now(), () -> 0).handover()).isEqualTo(Handover.Step.NONE);
        assertThat(balancer.moveUnderWay()).isFalse();
    }

    @Test
    void a_driver_that_sends_renewals_on_a_timer_of_their_own_gets_them_from_the_turn() {
        long acquiredAt = a.nowMs;
        assertThat(turn.renewalDueAt()).isEqualTo((acquiredAt + 500) * ElectorTest.MS);
        assertThat(turn.renewal(a.now())).isNull();
        a.at(acquiredAt + 500);
        assertThat(turn.renewal(a.now())).isInstanceOf(LeaseRequest.Renew.class);
        assertThat(turn.renewalDueAt()).isEqualTo((acquiredAt + 1000) * ElectorTest.MS);
    }
}
