package io.k8sensus.elector;

import java.util.Set;

import io.k8sensus.elector.ElectorTest.Replica;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
        turn.answered(renew, new Answer.Ok(ElectorTest.landed(renew, "r2")), a.now());
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
            assertThat(t.request()).as("the term is renewed while its work drains").isInstanceOf(LeaseRequest.Renew.class);
            renewed();
        }
        assertThat(a.elector.leads()).as("nobody else may take the Lease while the work runs").isTrue();

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
        step();
        assertThat(turn.nextStepAt(a.now()) - a.now()).isLessThanOrEqualTo(GroupTurn.HANDOVER_POLL_NANOS);
    }

    @Test
    void a_leader_asked_to_step_down_waits_for_another_candidate_drains_releases_and_then_holds_back() {
        turn.onCandidates(Set.of("a"), a.now());
        turn.onStepDownAsked(true);
        assertThat(step().handover()).as("no other candidate to take the group: it stays")
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
        assertThat(step().request()).as("held back for a lease duration, so that another takes the group").isNull();
        a.after(200);
        assertThat(step().request()).as("nobody took it: this replica may again")
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
}
