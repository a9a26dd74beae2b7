package io.k8sensus.elector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The balancing rules as tables: who defers how long, who moves which group, and when nobody moves. */
class BalancerTest {

    private static final Timings TIMINGS = new Timings(3000, 2000, 500, 1.2);
    private static final long RETRY = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long LEASE = TimeUnit.MILLISECONDS.toNanos(3000);
    /** Long after every candidate joined: they all count for moves. */
    private static final long SETTLED = 10 * LEASE;

    /**
     * "a=g1 g2,b=g3,c=": the groups each replica leads, as learnt a retry period before {@code now}, when the test asks;
     * every named replica is a candidate since 0, and runs every group named.
     */
    private static Balancer balancer(String self, String placement, long now) {
        Balancer balancer = new Balancer(self, TIMINGS, true);
        Map<String, String> leaders = new TreeMap<>();
        List<String> candidates = new ArrayList<>();
        for (String entry : placement.split(",")) {
            String[] parts = entry.split("=", -1);
            candidates.add(parts[0]);
            for (String group : parts[1].trim().split(" ")) {
                if (!group.isEmpty()) {
                    leaders.put(group, parts[0]);
                }
            }
        }
        balancer.onCandidates(Set.copyOf(candidates), 0);
        leaders.forEach((group, leader) -> balancer.onLeader(group, leader, Math.max(0, now - RETRY)));
        Map<String, String> everyone = new TreeMap<>();
        candidates.forEach(name -> everyone.put(name, "p1"));
        leaders.keySet().forEach(group -> balancer.onRunners(group, everyone, 0));
        return balancer;
    }

    static Stream<Arguments> deference() {
        return Stream.of(
                // self, placement, retry periods held back
                Arguments.of("c", "a=g1 g2 g3,b=g4 g5,c=g6 g7", 0), // the fewest: takes at once
                Arguments.of("b", "a=g1 g2 g3,b=g4 g5,c=g6 g7", 0),
                Arguments.of("a", "a=g1 g2 g3,b=g4 g5,c=g6 g7", 1),
                Arguments.of("a", "a=g1 g2 g3 g4 g5,b=,c=g6", 3), // five above the fewest: three at most
                Arguments.of("a", "a=g1,b=g2,c=g3", 0), // balanced: nobody holds back
                Arguments.of("a", "a=heartbeat", 0), // the only candidate leads the fewest itself
                Arguments.of("b", "a=heartbeat,b=", 0));
    }

    @ParameterizedTest(name = "{0} in {1} holds back {2} retry periods")
    @MethodSource
    void deference(String self, String placement, int periods) {
        assertThat(balancer(self, placement, SETTLED).deferNanos(SETTLED)).isEqualTo(periods * RETRY);
    }

    static Stream<Arguments> moves() {
        return Stream.of(
                // self, placement, the move it makes ("-": none)
                Arguments.of("a", "a=g1 g2 g3 g4 g5 g6 g7,b=,c=", "g7 7 0"), // all on the first: the last group goes
                Arguments.of("a", "a=g1 g2 g3,b=g4 g5,c=g6 g7", "-"), // 3/2/2: balanced
                Arguments.of("a", "a=g1 g2 g3 g4,b=g5 g6 g7,c=", "g4 4 0"),
                Arguments.of("b", "a=g1 g2 g3 g4,b=g5 g6 g7,c=", "-"), // b is not the most loaded: a moves first
                Arguments.of("b", "a=g1 g2 g3,b=g4 g5 g6,c=g7", "-"), // a ties with b and comes first by name
                Arguments.of("a", "a=g1 g2 g3,b=g4 g5 g6,c=g7", "g3 3 1"),
                Arguments.of("c", "a=g1 g2 g3,b=g4 g5 g6,c=g7", "-"), // the fewest never moves
                Arguments.of("a", "a=g1 g2,b=g3", "-"), // a difference of one: no move, it would only swap
                Arguments.of("a", "a=g1 heartbeat,b=", "heartbeat 2 0")); // the last by name goes
    }

    @ParameterizedTest(name = "{0} in {1} moves {2}")
    @MethodSource
    void moves(String self, String placement, String expected) {
        Optional<Balancer.Move> move = balancer(self, placement, SETTLED).move(SETTLED);
        assertThat(move.map(m -> m.group() + " " + m.leads() + " " + m.fewest()).orElse("-"))
                .isEqualTo(expected);
    }

    @Test
    void a_replica_that_leads_more_but_does_not_move_for_four_retry_periods_no_longer_holds_the_next_one_up() {
        // a leads more, and could hand a group to c, but does not (c refused it, say, which b cannot know)
        Balancer b = balancer("b", "a=g1 g2 g3 g4,b=g5 g6 g7,c=", SETTLED);
        assertThat(b.move(SETTLED)).as("a moves first").isEmpty();
        assertThat(b.move(SETTLED - RETRY + 4 * RETRY - 1)).isEmpty();
        assertThat(b.move(SETTLED - RETRY + 4 * RETRY))
                .map(Balancer.Move::group)
                .hasValue("g7");
    }

    @Test
    void a_candidate_counts_for_moves_only_after_a_lease_duration_so_a_pod_coming_and_going_moves_nothing() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4", SETTLED);
        for (String g : new String[] {"g1", "g2", "g3", "g4"}) {
            a.onRunners(g, Map.of("a", "p1", "b", "p1"), 0);
        }
        long joined = SETTLED;
        a.onCandidates(Set.of("a", "b"), joined);
        assertThat(a.move(joined + LEASE - 1)).isEmpty();
        // it may take a free Lease at once, though: a takes nothing while b leads fewer
        assertThat(a.deferNanos(joined)).isEqualTo(3 * RETRY);
        a.onCandidates(Set.of("a"), joined + LEASE / 2); // gone again before it counted
        a.onCandidates(Set.of("a", "b"), joined + LEASE);
        assertThat(a.move(joined + LEASE + LEASE / 2))
                .as("the lease duration starts again at its return")
                .isEmpty();
        assertThat(a.move(joined + 2 * LEASE)).map(Balancer.Move::group).hasValue("g4");
    }

    @Test
    void no_move_within_a_retry_period_of_a_change_of_leader_so_that_every_replica_has_seen_it() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5", SETTLED);
        a.onLeader("g5", "c", SETTLED); // no change
        assertThat(a.move(SETTLED)).isPresent();
        a.onLeader("g6", "c", SETTLED);
        assertThat(a.move(SETTLED + RETRY - 1)).isEmpty();
        assertThat(a.move(SETTLED + RETRY)).isPresent();
    }

    @Test
    void one_move_at_a_time_until_the_moved_lease_names_someone_else_then_a_retry_period_apart() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4 g5 g6,b=,c=", SETTLED);
        long now = SETTLED;
        Balancer.Move first = a.move(now).orElseThrow();
        assertThat(first).isEqualTo(new Balancer.Move("g6", 6, 0, Set.of("b", "c")));
        a.onMoveStarted(first);
        assertThat(a.move(now + 1)).as("g6 is still being handed over").isEmpty();
        a.onLeader("g6", null, now + 10); // released
        assertThat(a.move(now + 11)).as("nobody took it yet").isEmpty();
        a.onLeader("g6", "b", now + 20);
        assertThat(a.move(now + 19 + RETRY))
                .as("a retry period for every replica to see it")
                .isEmpty();
        assertThat(a.move(now + 20 + RETRY)).map(Balancer.Move::group).hasValue("g5");
    }

    @Test
    void a_candidate_that_lets_a_handed_over_group_go_counts_no_more_until_it_leads_a_group() {
        // b's process is stopped, its Pod still Ready: it leads nothing and takes nothing
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", SETTLED);
        long now = SETTLED;
        Balancer.Move move = a.move(now).orElseThrow();
        assertThat(move.to()).containsExactly("b");
        a.onMoveStarted(move);
        a.onLeader("g4", null, now + 10);
        a.onLeader("g4", "a", now + 10 + 3 * RETRY); // after its deference, a took it back itself
        a.onCandidates(Set.of("a", "b", "c"), now + 5 * RETRY); // the Pods, reported again on every turn, unchanged
        assertThat(a.move(now + 10 * RETRY)).as("no ping-pong towards b").isEmpty();
        assertThat(a.deferNanos(now + 10 * RETRY))
                .as("still held back for b: it would lose every race otherwise")
                .isEqualTo(3 * RETRY);
        a.onLeader("g9", "b", now + 20 * RETRY); // b is back: it leads a group
        assertThat(a.move(now + 30 * RETRY)).map(Balancer.Move::to).hasValue(Set.of("b"));
    }

    @Test
    void a_candidate_left_out_counts_again_after_five_lease_durations_as_a_process_restarted_in_its_pod_would() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", SETTLED);
        long now = SETTLED;
        a.onMoveStarted(a.move(now).orElseThrow());
        a.onLeader("g4", null, now);
        a.onLeader("g4", "a", now + 1);
        assertThat(a.move(now + 1 + 5 * LEASE - RETRY)).isEmpty();
        assertThat(a.move(now + 1 + 5 * LEASE)).map(Balancer.Move::to).hasValue(Set.of("b"));
    }

    @Test
    void an_abandoned_group_backs_off_a_lease_duration_doubled_at_each_abandon_while_another_group_moves_instead() {
        Balancer a = balancer("a", "a=g1 g2 g3,b=", SETTLED);
        long now = SETTLED;
        a.onMoveStarted(a.move(now).orElseThrow());
        a.onMoveAbandoned("g3", now); // its exchanges outlast a lease duration
        assertThat(a.move(now + RETRY - 1)).isEmpty();
        Balancer.Move instead = a.move(now + RETRY).orElseThrow();
        assertThat(instead.group()).as("another group balances as well").isEqualTo("g2");
        a.onMoveStarted(instead);
        a.onMoveAbandoned("g2", now + RETRY);
        assertThat(a.move(now + 2 * RETRY)).map(Balancer.Move::group).hasValue("g1");
        Balancer b = balancer("a", "a=g1 g2 g3,b=", SETTLED);
        b.onRunners("g1", Map.of("a", "p1"), 0); // only g3 can go to b: its backoff alone decides
        b.onRunners("g2", Map.of("a", "p1"), 0);
        long at = SETTLED;
        for (int abandon = 1; abandon <= 3; abandon++) {
            Balancer.Move move = b.move(at).orElseThrow();
            assertThat(move.group()).isEqualTo("g3");
            b.onMoveStarted(move);
            b.onMoveAbandoned("g3", at);
            long waited = LEASE << (abandon - 1);
            assertThat(b.move(at + waited - 1))
                    .as("abandon %d: waits %d ms", abandon, waited / 1_000_000)
                    .isEmpty();
            at += waited;
        }
        assertThat(b.move(at)).map(Balancer.Move::group).hasValue("g3");
    }

    @Test
    void a_stalled_target_that_still_leads_a_group_is_not_offered_another_on_every_report_of_that_group() {
        // b leads g9 from before it stalled (paused, its Pod Ready): its term of g9 is reported on every turn
        Balancer a = balancer("a", "a=g1 g2 g3 g4 g5,b=g9,c=g6 g7 g8 g10", SETTLED);
        long now = SETTLED;
        Balancer.Move move = a.move(now).orElseThrow();
        assertThat(move.to()).containsExactly("b");
        a.onMoveStarted(move);
        a.onLeader(move.group(), null, now + 10);
        a.onLeader(move.group(), "a", now + 10 + 3 * RETRY); // b did not take it
        for (int turn = 1; turn <= 20; turn++) {
            a.onLeader("g9", "b", now + turn * RETRY); // reported, unchanged
        }
        assertThat(a.move(now + 21 * RETRY))
                .as("no other group handed to b while it stays stalled")
                .isEmpty();
        a.onLeader("g9", null, now + 22 * RETRY);
        a.onLeader("g9", "b", now + 23 * RETRY); // b takes a group anew: it responds again
        assertThat(a.move(now + 25 * RETRY)).map(Balancer.Move::to).hasValue(Set.of("b"));
    }

    @Test
    void a_group_is_offered_only_to_replicas_that_run_it() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4 g5,b=", SETTLED);
        a.onRunners("g5", Map.of("a", "p1"), 0); // only a runs g5
        assertThat(a.move(SETTLED))
                .map(Balancer.Move::group)
                .as("g5 stays; g4 goes")
                .hasValue("g4");
        a.onRunners("g4", Map.of("a", "p1"), 0);
        a.onRunners("g3", Map.of("a", "p1", "b", "p1"), 0);
        assertThat(a.move(SETTLED)).map(Balancer.Move::group).hasValue("g3");
        Balancer none = balancer("a", "a=g1 g2,b=", SETTLED);
        none.onRunners("g1", Map.of("a", "p1"), 0);
        none.onRunners("g2", Map.of("a", "p1"), 0);
        assertThat(none.move(SETTLED))
                .as("b runs none of a's groups: nothing to move")
                .isEmpty();
    }

    @Test
    void a_replica_counts_the_groups_another_says_it_leads_among_those_it_does_not_run() {
        // a runs g1-g4 and x1-x3, b and c run g1-g4: b cannot see a lead x1-x3
        Balancer b = balancer("b", "a=,b=g1 g2,c=g3 g4", SETTLED);
        assertThat(b.move(SETTLED))
                .as("what b counts alone: a leads none")
                .map(Balancer.Move::to)
                .hasValue(Set.of("a"));
        b.onSaid("g1", Map.of("a", 3), SETTLED); // a's mark on g1's Lease: it leads 3 in all
        assertThat(b.loads()).containsEntry("a", 3);
        assertThat(b.move(SETTLED + RETRY))
                .as("3/2/2 is balanced: nothing for a to hand back")
                .isEmpty();
        assertThat(b.deferNanos(SETTLED + RETRY))
                .as("b leads fewer than a: it does not hold back")
                .isZero();
        b.onSaid("g1", Map.of(), SETTLED + 2 * RETRY); // a says nothing more: b counts alone again
        assertThat(b.loads()).containsEntry("a", 0);
    }

    @Test
    void
            a_replica_says_how_many_groups_it_leads_only_while_it_leads_one_that_a_replica_it_shares_groups_with_does_not_run() {
        Balancer a = balancer("a", "a=g1 x1 x2,b=g2,c=g3", SETTLED);
        assertThat(a.leadsToSay(SETTLED)).as("every replica runs every group").isEmpty();
        a.onRunners("x1", Map.of("a", "p1"), SETTLED); // b and c do not run x1
        assertThat(a.leadsToSay(SETTLED)).hasValue(3);
        a.onRunners("x1", Map.of("a", "p1", "b", "p1", "c", "p1"), SETTLED);
        assertThat(a.leadsToSay(SETTLED)).isEmpty();
        a.onCandidates(Set.of("a", "b", "c", "d"), SETTLED);
        assertThat(a.leadsToSay(SETTLED))
                .as("d has marked no Lease a sees: it shares no group with a")
                .isEmpty();
        a.onRunners("g1", Map.of("a", "p1", "b", "p1", "c", "p1", "d", "p1"), SETTLED); // d's first mark
        assertThat(a.leadsToSay(SETTLED + RETRY - 1))
                .as("d is still marking the Leases of its groups")
                .isEmpty();
        assertThat(a.leadsToSay(SETTLED + RETRY)).as("d does not run x1").hasValue(3);
    }

    @Test
    void a_replica_that_leads_the_most_but_can_move_none_of_its_groups_does_not_hold_the_others_up() {
        // a leads x1-x3, which only it runs; b leads g1-g3, which b and c run; c leads none
        Balancer b = balancer("b", "a=,b=g1 g2 g3,c=", SETTLED);
        b.onSaid(
                "g1",
                Map.of("a", 3),
                SETTLED - RETRY); // said a retry period ago: b would leave the move to a if a could
        assertThat(b.loads()).containsEntry("a", 3).containsEntry("b", 3);
        assertThat(b.move(SETTLED))
                .as("a comes first, but can hand nothing to c")
                .map(Balancer.Move::to)
                .hasValue(Set.of("c"));
        Balancer yields = balancer("b", "a=g4,b=g1 g2 g3,c=", SETTLED);
        yields.onSaid("g1", Map.of("a", 3), SETTLED - RETRY);
        assertThat(yields.move(SETTLED)).as("a can hand g4 to c: a moves first").isEmpty();
    }

    @Test
    void a_mark_left_by_an_earlier_process_of_a_pod_does_not_count_once_a_mark_of_its_next_process_is_seen() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=", SETTLED);
        a.onRunners("g4", Map.of("a", "1.x", "b", "1.y"), SETTLED); // b's first process ran g4, then crashed
        assertThat(a.runs("b", "g4")).isTrue();
        a.onRunners("g3", Map.of("a", "1.x", "b", "2.z"), SETTLED); // its next process runs g3, not g4
        assertThat(a.runs("b", "g4")).isFalse();
        assertThat(a.move(SETTLED + LEASE - 1))
                .as("b's process started just now")
                .isEmpty();
        assertThat(a.move(SETTLED + LEASE))
                .map(Balancer.Move::group)
                .as("g3, not g4")
                .hasValue("g3");
    }

    @Test
    void
            a_pod_that_left_the_candidates_is_forgotten_so_back_under_its_name_its_marks_count_until_a_newer_one_is_seen() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=", SETTLED);
        a.onRunners("g4", Map.of("a", "1.x", "b", "1.y"), SETTLED);
        a.onRunners("g3", Map.of("a", "1.x", "b", "2.z"), SETTLED);
        assertThat(a.runs("b", "g4")).as("process 1's mark, process 2 seen").isFalse();
        a.onCandidates(Set.of("a"), SETTLED);
        a.onCandidates(Set.of("a", "b"), SETTLED); // a Pod under the same name (a StatefulSet's): nothing known of it
        assertThat(a.runs("b", "g4")).as("its marks are all it is known by").isTrue();
        a.onRunners("g2", Map.of("a", "1.x", "b", "3.w"), SETTLED);
        assertThat(a.runs("b", "g4")).isFalse();
        assertThat(a.runs("b", "g3")).isFalse();
        assertThat(a.runs("b", "g2")).isTrue();
    }

    @Test
    void a_target_that_lets_a_group_go_twice_is_not_offered_it_again_until_it_runs_it_anew_or_its_pod_is_replaced() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", SETTLED);
        long now = SETTLED;
        for (int declined = 1; declined <= 2; declined++) {
            Balancer.Move move = a.move(now).orElseThrow();
            assertThat(move).as("offer " + declined).isEqualTo(new Balancer.Move("g4", 4, 0, Set.of("b")));
            a.onMoveStarted(move);
            a.onLeader("g4", null, now + 10);
            a.onLeader("g4", "a", now + 10 + 3 * RETRY); // b did not take it: a took it back after its deference
            if (declined == 1) {
                assertThat(a.takeRefusals())
                        .as("once may be a slow moment: b is only left out a while")
                        .isEmpty();
                assertThat(a.move(now + 10 * RETRY)).isEmpty();
            }
            now += 20 * RETRY;
            a.onLeader("g9", "b", now); // b takes another group: it responds again
            a.onLeader("g9", null, now + RETRY);
            now += 10 * RETRY;
        }
        assertThat(a.takeRefusals()).containsExactly(new Balancer.Refusal("g4", "b"));
        assertThat(a.takeRefusals()).as("said once").isEmpty();
        a.onLeader("g9", "b", now);
        for (int turn = 0; turn < 10; turn++) {
            a.onLeader("g9", "b", now + (1 + turn) * RETRY); // reported on every turn: changes nothing (finding 1)
        }
        now += 20 * RETRY;
        assertThat(a.move(now)).map(Balancer.Move::group).as("g3, not g4 again").hasValue("g3");
        a.onRunners("g4", Map.of("a", "p1", "b", "p1", "c", "p2"), 0); // c's process restarted, not b's
        assertThat(a.move(now))
                .map(Balancer.Move::group)
                .as("b's refusal stands")
                .hasValue("g3");
        a.onRunners("g4", Map.of("a", "p1", "b", "p2", "c", "p2"), 0); // b's process restarted: it runs g4 anew
        assertThat(a.move(now)).map(Balancer.Move::group).hasValue("g4");
    }

    @Test
    void a_group_that_changed_hands_six_times_in_the_last_hour_is_not_moved_whoever_moved_it() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", SETTLED);
        long now = SETTLED;
        String[] holders = {"c", "a", "c", "a"}; // moves and failovers, by any replica, as seen here
        for (String holder : holders) {
            now += 10 * RETRY;
            a.onLeader("g4", holder, now);
        }
        assertThat(a.move(now + 20 * RETRY))
                .map(Balancer.Move::group)
                .as("g4 changed hands 4 times")
                .hasValue("g4");
        a.onLeader("g4", "c", now + 21 * RETRY);
        a.onLeader("g4", "a", now + 22 * RETRY);
        assertThat(a.move(now + 40 * RETRY))
                .map(Balancer.Move::group)
                .as("6 times: g3 instead")
                .hasValue("g3");
        assertThat(a.move(SETTLED + TimeUnit.HOURS.toNanos(1) + 60 * RETRY))
                .map(Balancer.Move::group)
                .as("an hour after the first changes")
                .hasValue("g4");
    }

    @Test
    void switched_off_it_never_defers_and_never_moves() {
        Balancer off = Balancer.off("a", TIMINGS);
        off.onCandidates(Set.of("a", "b"), 0);
        for (String g : new String[] {"g1", "g2", "g3", "g4"}) {
            off.onLeader(g, "a", SETTLED);
        }
        off.onRunners("g1", Map.of("a", "p1"), 0); // b does not run g1, and has marked g2
        off.onRunners("g2", Map.of("a", "p1", "b", "p1"), 0);
        assertThat(off.deferNanos(SETTLED)).isZero();
        assertThat(off.move(SETTLED)).isEmpty();
        assertThat(off.leadsToSay(SETTLED)).as("nothing to say on its marks").isEmpty();
    }

    @Test
    void a_replica_that_is_no_candidate_neither_defers_nor_moves_and_holders_that_are_none_do_not_count() {
        Balancer x = balancer("x", "a=g1 g2,b=g3", SETTLED);
        assertThat(x.deferNanos(SETTLED)).isZero();
        assertThat(x.move(SETTLED)).isEmpty();
        Balancer b = balancer("b", "a=g1 g2,b=g3", SETTLED);
        b.onLeader("g4", "gone", SETTLED); // a Pod that left still named by a Lease that will expire
        assertThat(b.loads()).containsOnly(Map.entry("a", 2), Map.entry("b", 1));
    }

    /** {@code a} hands {@code group} over, nobody takes it, and {@code a} takes it back after its deference. */
    private static void lets_go(Balancer a, String group, long now) {
        a.onMoveStarted(a.move(now).orElseThrow());
        a.onLeader(group, null, now + 10);
        a.onLeader(group, "a", now + 10 + 3 * RETRY);
    }

    @Test
    void reports_of_other_groups_leave_a_move_under_way_until_its_own_lease_names_someone_else() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5", SETTLED);
        long now = SETTLED;
        a.onMoveStarted(a.move(now).orElseThrow()); // g4, to b
        a.onLeader("g4", "a", now + 10); // every group's holder is reported on every turn, this one's too
        a.onLeader("g5", "c", now + 10);
        a.onLeader("g6", null, now + 10);
        a.onLeader("g1", "a", now + 10);
        assertThat(a.moveUnderWay()).isTrue();
        assertThat(a.move(now + 10 * RETRY)).as("one move at a time").isEmpty();
        a.onLeader("g4", null, now + 20);
        a.onLeader("g4", "b", now + 30);
        assertThat(a.moveUnderWay()).isFalse();
        assertThat(a.move(now + 30 + RETRY))
                .as("b took it: nobody is left out of the next move")
                .hasValue(new Balancer.Move("g3", 3, 1, Set.of("b", "c")));
    }

    @Test
    void a_group_moved_after_an_abandoned_move_backs_off_a_single_lease_duration_at_its_next_abandon() {
        Balancer a = balancer("a", "a=g1 g2 g3,b=", SETTLED);
        a.onRunners("g1", Map.of("a", "p1"), 0); // only g3 can go to b
        a.onRunners("g2", Map.of("a", "p1"), 0);
        long at = SETTLED;
        a.onMoveStarted(a.move(at).orElseThrow());
        a.onMoveAbandoned("g3", at);
        at += LEASE;
        a.onMoveStarted(a.move(at).orElseThrow());
        a.onLeader("g3", null, at + 10);
        a.onLeader("g3", "b", at + 20); // moved
        at += 10 * RETRY;
        a.onLeader("g3", "a", at); // and back to a, by a failover
        at += 10 * RETRY;
        Balancer.Move again = a.move(at).orElseThrow();
        assertThat(again.group()).isEqualTo("g3");
        a.onMoveStarted(again);
        a.onMoveAbandoned("g3", at);
        assertThat(a.move(at + LEASE - 1))
                .as("not an abandon in a row: one lease duration")
                .isEmpty();
        assertThat(a.move(at + LEASE)).map(Balancer.Move::group).hasValue("g3");
    }

    @Test
    void a_group_that_stops_being_elected_here_while_it_is_moved_leaves_the_next_move_free() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4 g5 g6,b=,c=", SETTLED);
        a.onMoveStarted(a.move(SETTLED).orElseThrow()); // g6
        a.onRemoved("g6"); // its routes stopped here
        assertThat(a.moveUnderWay()).isFalse();
        assertThat(a.move(SETTLED + RETRY)).map(Balancer.Move::group).hasValue("g5");
    }

    @Test
    void a_target_that_refused_a_group_is_offered_it_again_once_its_pod_is_replaced() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", SETTLED);
        long now = SETTLED;
        for (int declined = 1; declined <= 2; declined++) {
            lets_go(a, "g4", now);
            now += 20 * RETRY;
            a.onLeader("g9", "b", now); // b takes another group: it responds again
            a.onLeader("g9", null, now + RETRY);
            now += 10 * RETRY;
        }
        assertThat(a.takeRefusals()).containsExactly(new Balancer.Refusal("g4", "b"));
        a.onCandidates(Set.of("a", "c"), now); // b's Pod deleted
        a.onCandidates(Set.of("a", "b", "c"), now + RETRY); // its replacement, under the same name
        assertThat(a.move(now + RETRY + LEASE)).map(Balancer.Move::group).hasValue("g4");
    }

    @Test
    void a_target_that_let_a_group_go_once_before_its_pod_was_replaced_has_not_refused_it_when_the_new_pod_does_too() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", SETTLED);
        long now = SETTLED;
        lets_go(a, "g4", now);
        now += 20 * RETRY;
        a.onCandidates(Set.of("a", "c"), now); // b's Pod deleted, and replaced
        a.onCandidates(Set.of("a", "b", "c"), now + RETRY);
        now += RETRY + LEASE;
        lets_go(a, "g4", now); // the new Pod is slow once too
        assertThat(a.takeRefusals())
                .as("once for each Pod: a slow moment, no refusal")
                .isEmpty();
    }

    @Test
    void while_a_groups_lease_carries_no_marks_a_refusal_lasts_as_long_as_leaving_a_candidate_out() {
        Balancer a = new Balancer("a", TIMINGS, true);
        a.onCandidates(Set.of("a", "b", "c"), 0);
        for (String g : new String[] {"g1", "g2", "g3", "g4"}) {
            a.onLeader(g, "a", 0);
        }
        for (String g : new String[] {"g5", "g6", "g7"}) {
            a.onLeader(g, "c", 0);
        }
        long now = SETTLED;
        for (int declined = 1; declined <= 2; declined++) {
            lets_go(a, "g4", now);
            now += 20 * RETRY;
            a.onLeader("g9", "b", now);
            a.onLeader("g9", null, now + RETRY);
            now += 10 * RETRY;
        }
        assertThat(a.takeRefusals()).containsExactly(new Balancer.Refusal("g4", "b"));
        long refusedAt = now - 30 * RETRY + 10 + 3 * RETRY;
        assertThat(a.move(refusedAt + Balancer.UNRESPONSIVE_LEASES * LEASE))
                .as("no mark to see change: after five lease durations, b is offered g4 again")
                .map(Balancer.Move::group)
                .hasValue("g4");
    }

    @Test
    void a_group_whose_lease_carries_no_marks_may_go_to_any_candidate() {
        Balancer a = new Balancer("a", TIMINGS, true);
        a.onCandidates(Set.of("a", "b"), 0);
        for (String g : new String[] {"g1", "g2", "g3"}) {
            a.onLeader(g, "a", 0);
        }
        assertThat(a.runs("b", "g3")).isTrue();
        assertThat(a.move(SETTLED)).map(Balancer.Move::group).hasValue("g3");
        a.onRunners("g3", Map.of("a", "p1"), SETTLED); // marked: only a runs it
        assertThat(a.move(SETTLED)).map(Balancer.Move::group).hasValue("g2");
        a.onRunners("g3", Map.of(), SETTLED); // its marks gone (the Lease re-created): unknown again
        assertThat(a.runs("b", "g3")).isTrue();
        assertThat(a.move(SETTLED)).map(Balancer.Move::group).hasValue("g3");
    }

    @Test
    void a_count_said_again_unchanged_on_every_delivery_of_a_lease_does_not_hold_moves_up() {
        Balancer b = balancer("b", "a=g1,b=g2 g3 g4 g5,c=", SETTLED);
        b.onSaid("g1", Map.of("a", 2), SETTLED - RETRY); // a leads a group that b does not run
        b.onSaid("g1", Map.of("a", 2), SETTLED + RETRY - 1); // the same mark, delivered again
        assertThat(b.move(SETTLED + RETRY)).map(Balancer.Move::to).hasValue(Set.of("c"));
    }

    @Test
    void a_replica_that_leads_as_many_and_comes_first_holds_the_move_up_only_if_it_has_a_target_two_below_it() {
        // a leads x1-x3, which a, b and d run (c does not); b leads g1-g3, which everyone runs; d leads y1 and y2
        Balancer b = balancer("b", "a=x1 x2 x3,b=g1 g2 g3,c=,d=y1 y2", SETTLED);
        for (String x : new String[] {"x1", "x2", "x3"}) {
            b.onRunners(x, Map.of("a", "p1", "b", "p1", "d", "p1"), 0);
        }
        assertThat(b.move(SETTLED))
                .as("c does not run a's groups, d leads only one fewer than a: b moves")
                .hasValue(new Balancer.Move("g3", 3, 0, Set.of("c")));
    }

    @Test
    void
            a_replica_that_leads_as_many_and_comes_first_holds_the_move_up_once_its_target_has_been_a_candidate_a_lease_duration() {
        Balancer b = balancer("b", "a=x1 x2 x3,b=g1 g2 g3,c=", SETTLED);
        for (String x : new String[] {"x1", "x2", "x3"}) {
            b.onRunners(x, Map.of("a", "p1", "b", "p1", "d", "p1"), 0);
        }
        long joined = SETTLED;
        b.onCandidates(Set.of("a", "b", "c", "d"), joined); // d, which runs a's groups, joins
        b.onLeader("elsewhere", "gone", joined + LEASE - 2 * RETRY); // a change of leader that counts for nobody
        assertThat(b.move(joined + LEASE - 1))
                .as("d is too new for a: b moves")
                .map(Balancer.Move::to)
                .hasValue(Set.of("c"));
        assertThat(b.move(joined + LEASE))
                .as("a can hand a group to d now: a moves first")
                .isEmpty();
    }

    @Test
    void a_change_of_hands_counts_for_exactly_an_hour_on_a_clock_that_started_long_ago() {
        long origin = TimeUnit.HOURS.toNanos(5); // a monotonic clock starts anywhere
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", origin);
        long first = origin + 10 * RETRY;
        long now = first;
        for (String holder : new String[] {"c", "a", "c", "a", "c", "a"}) {
            a.onLeader("g4", holder, now);
            now += 10 * RETRY;
        }
        assertThat(a.move(now + 10 * RETRY))
                .map(Balancer.Move::group)
                .as("six times: g3 instead")
                .hasValue("g3");
        assertThat(a.move(first + TimeUnit.HOURS.toNanos(1) - 1))
                .map(Balancer.Move::group)
                .hasValue("g3");
        assertThat(a.move(first + TimeUnit.HOURS.toNanos(1)))
                .map(Balancer.Move::group)
                .as("the first change is an hour old")
                .hasValue("g4");
    }

    @Test
    void a_move_stops_being_worth_it_once_its_targets_lead_one_fewer() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=,c=g5 g6 g7", SETTLED);
        assertThat(a.stillWorthMoving("g4", SETTLED)).as("no move under way").isFalse();
        a.onMoveStarted(a.move(SETTLED).orElseThrow()); // g4, to b
        assertThat(a.stillWorthMoving("g4", SETTLED)).isTrue();
        assertThat(a.stillWorthMoving("g3", SETTLED))
                .as("not the group being moved")
                .isFalse();
        a.onLeader("g8", "b", SETTLED + 1); // failovers meanwhile
        a.onLeader("g9", "b", SETTLED + 2);
        assertThat(a.stillWorthMoving("g4", SETTLED + 3)).as("4 and 2").isTrue();
        a.onLeader("g10", "b", SETTLED + 3);
        assertThat(a.stillWorthMoving("g4", SETTLED + 4))
                .as("4 and 3: the move would only swap")
                .isFalse();
    }

    @Test
    void its_state_in_a_trace_names_the_loads_it_counts() {
        Balancer b = balancer("b", "a=g1 g2,b=g3", SETTLED);
        assertThat(b.toString()).startsWith("Balancer[b ").contains("loads={a=2, b=1}");
    }

    @Test
    void a_change_of_the_candidates_is_counted_at_once_and_a_move_waits_a_retry_period_after_it() {
        Balancer a = new Balancer("a", TIMINGS, true); // no marks on the Leases: every candidate runs every group
        a.onCandidates(Set.of("a", "b"), 0);
        for (int g = 1; g <= 4; g++) {
            a.onLeader("g" + g, "a", 0);
            a.onLeader("g" + (g + 4), "b", 0);
        }
        assertThat(a.loads()).containsOnly(Map.entry("a", 4), Map.entry("b", 4));
        a.onCandidates(Set.of("a", "b", "c"), RETRY);
        assertThat(a.loads()).containsOnly(Map.entry("a", 4), Map.entry("b", 4), Map.entry("c", 0));
        a.onCandidates(Set.of("a", "b", "c"), SETTLED);
        assertThat(a.move(SETTLED + 5 * RETRY))
                .as("reported again, unchanged: no wait")
                .isPresent();
        a.onCandidates(Set.of("a", "b", "c", "d"), SETTLED + 5 * RETRY);
        assertThat(a.move(SETTLED + 6 * RETRY - 1)).isEmpty();
        assertThat(a.move(SETTLED + 6 * RETRY)).isPresent();
    }

    @Test
    void marks_delivered_again_unchanged_do_not_make_their_process_look_just_started() {
        Balancer a = balancer("a", "a=g1 g2 g3 g4,b=", SETTLED);
        a.onRunners("g1", Map.of("a", "1.x", "b", "1.y"), 0); // b's process, seen since 0
        for (long t = 0; t <= SETTLED; t += RETRY) {
            a.onRunners("g1", Map.of("a", "1.x", "b", "1.y"), t); // every delivery of g1's Lease
        }
        assertThat(a.move(SETTLED)).map(Balancer.Move::to).hasValue(Set.of("b"));
    }
}
