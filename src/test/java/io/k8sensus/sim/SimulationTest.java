package io.k8sensus.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k8sensus.elector.Timings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deterministic simulation's short form, as {@code mvn verify} runs it: {@value #DEFAULT_SCHEDULES} seeded fault
 * schedules against the real elector, no violation allowed ({@code make simulate} runs the long form). And the checks
 * that show the simulation can fail: it finds two leaders when the timings allow them, and a replay is exact.
 */
class SimulationTest {

    static final long DEFAULT_SCHEDULES = 20_000;
    /**
     * The tag of a test of the simulator itself (its checks fail when they should, a seed replays, a run resumes), not
     * of the elector: the mutation run ({@code make mutation}) leaves these out.
     */
    static final String SIMULATOR = "simulator";

    @Test
    void no_schedule_of_faults_lets_two_replicas_act_at_once_lowers_an_epoch_or_leaves_no_leader() throws Exception {
        long schedules = Long.getLong("k8sensus.sim.schedules", DEFAULT_SCHEDULES);
        Simulator.Summary summary =
                Simulator.run(1, schedules, Runtime.getRuntime().availableProcessors(), null);
        System.out.println("simulation: " + summary.describe());
        Simulation.Outcome first = summary.firstViolation();
        assertThat(summary.violations())
                .as(
                        first == null
                                ? ""
                                : "seed " + first.seed() + ": " + first.violation()
                                        + "; replay it with make simulate ARGS=\"--seed " + first.seed() + "\"")
                .isZero();
        assertThat(summary.schedules()).isEqualTo(schedules);
        assertThat(summary.faults() / (double) schedules)
                .as("faults per schedule")
                .isGreaterThan(2);
        assertThat(summary.limitations())
                .as("runs that hit the documented limit are rare")
                .isLessThan(schedules / 100);
        assertThat(summary.moves())
                .as("the balancer moved groups under the API faults too")
                .isGreaterThan(schedules / 100);
    }

    @Test
    @Tag(SIMULATOR)
    void a_long_run_stopped_after_a_chunk_goes_on_from_its_checkpoint_to_the_totals_of_an_unbroken_run(
            @TempDir Path dir) throws Exception {
        Simulator.Summary unbroken = Simulator.run(1, 40, 1, null, null, 10);
        Path checkpoint = dir.resolve("checkpoint.properties");
        Simulator.run(1, 20, 1, null, checkpoint, 10);
        Properties kept = new Properties(); // as a run of 40 seeds stopped after its second chunk leaves it
        try (var in = Files.newBufferedReader(checkpoint)) {
            kept.load(in);
        }
        kept.setProperty("count", "40");
        try (var out = Files.newBufferedWriter(checkpoint)) {
            kept.store(out, null);
        }

        Simulator.Summary resumed = Simulator.run(1, 40, 1, null, checkpoint, 10);

        assertThat(resumed.schedules()).isEqualTo(40);
        assertThat(List.of(
                        resumed.violations(),
                        resumed.limitations(),
                        resumed.faults(),
                        resumed.terms(),
                        resumed.events(),
                        resumed.moves()))
                .isEqualTo(List.of(
                        unbroken.violations(),
                        unbroken.limitations(),
                        unbroken.faults(),
                        unbroken.terms(),
                        unbroken.events(),
                        unbroken.moves()));
        assertThat(resumed.work()).isEqualTo(unbroken.work());
        assertThatThrownBy(() -> Simulator.run(5, 40, 1, null, checkpoint, 10))
                .hasMessageContaining("checkpoint")
                .hasMessageContaining("not 5 + 40");
    }

    @Test
    void a_leader_asked_to_step_down_hands_over_to_another_replica_with_a_new_term_and_no_overlap() {
        int newTerms = 0;
        for (long seed = 1; seed <= 300; seed++) {
            Fault stepDown = new Fault(Fault.Kind.STEP_DOWN, -1, 4000, 0, 0);
            Schedule schedule = new Schedule(
                    seed, List.of(Schedule.BASE, Schedule.BASE), new double[] {1.0, 1.01}, List.of(stepDown), 9000);
            Simulation.Outcome outcome = Simulation.run(schedule, null);
            assertThat(outcome.violation()).as("seed " + seed).isNull();
            if (outcome.terms() >= 2) {
                newTerms++;
            }
        }
        assertThat(newTerms)
                .as("runs in which the step-down gave the group a new term")
                .isGreaterThan(290);
    }

    @Test
    void a_paused_leaders_exchange_in_flight_ends_on_waking_under_its_old_epoch_and_the_fence_refuses_it() {
        long fenced = 0;
        for (long seed = 1; seed <= 300; seed++) {
            for (int replica = 0; replica < 2; replica++) { // one of the two leads when it is paused past its lease
                Fault pause = new Fault(Fault.Kind.PAUSE, replica, 4000, 5000, 0);
                Schedule schedule = new Schedule(
                        seed, List.of(Schedule.BASE, Schedule.BASE), new double[] {1.0, 1.01}, List.of(pause), 9000);
                Simulation.Outcome outcome = Simulation.run(schedule, null);
                assertThat(outcome.violation()).as("seed " + seed).isNull();
                fenced += outcome.fenced();
            }
        }
        assertThat(fenced)
                .as("stale actions, each refused by the receiver's fence")
                .isGreaterThan(10);
    }

    @Test
    void
            a_leader_whose_pod_turns_not_ready_leaves_no_exchange_in_flight_beside_the_next_term_unless_its_drain_ran_out() {
        long runs = 0;
        long exchanges = 0;
        for (long seed = 1; seed <= 300; seed++) {
            for (int replica = 0; replica < 2; replica++) { // one of the two leads when its Pod turns NotReady
                Fault notReady = new Fault(Fault.Kind.POD_NOT_READY, replica, 4000, 5000, 0);
                Schedule schedule = new Schedule(
                        seed, List.of(Schedule.BASE, Schedule.BASE), new double[] {1.0, 1.01}, List.of(notReady), 9000);
                Simulation.Outcome outcome = Simulation.run(schedule, null);
                assertThat(outcome.violation()).as("seed " + seed).isNull();
                if (outcome.releasesWithWork() == 0) {
                    assertThat(outcome.inFlightOverlaps())
                            .as("seed %d, r%d: the old term's work drained before the" + " release", seed, replica)
                            .isZero();
                }
                runs++;
                exchanges += outcome.exchanges();
            }
        }
        assertThat(exchanges / runs)
                .as("exchanges per run: the work is there to drain")
                .isGreaterThan(20);
    }

    @Test
    @Tag(SIMULATOR)
    void a_gate_that_ignores_the_clock_lets_a_paused_or_cut_off_leader_start_exchanges_and_the_checker_says_so() {
        long violations = 0;
        for (long seed = 1; seed <= 2000; seed++) {
            String violation = Simulation.run(Schedule.draw(seed), null, Simulation.Gate.IGNORES_CLOCK)
                    .violation();
            if (violation != null && violation.contains("starts an exchange")) {
                violations++;
            }
        }
        assertThat(violations).isGreaterThan(20);
    }

    @Test
    @Tag(SIMULATOR)
    void with_a_renew_deadline_longer_than_the_lease_the_simulation_finds_two_leaders() {
        Timings broken = new Timings(2000, 3000, 500, 1.2); // refused by the settings: the leader outlives its lease
        long found = 0;
        for (long seed = 1; seed <= 2000; seed++) {
            Schedule drawn = Schedule.draw(seed);
            Schedule withBrokenTimings = new Schedule(
                    seed,
                    drawn.timings().stream().map(t -> broken).toList(),
                    drawn.rates(),
                    drawn.faults(),
                    drawn.faultsEndMs());
            String violation = Simulation.run(withBrokenTimings, null).violation();
            if (violation != null && violation.startsWith("two processes may act at once")) {
                found++;
            }
        }
        assertThat(found).isGreaterThan(20);
    }

    @Test
    @Tag(SIMULATOR)
    void a_seed_replays_the_same_run_step_for_step() {
        for (long seed : List.of(7L, 4242L, 99_991L)) {
            StringBuilder first = new StringBuilder();
            StringBuilder second = new StringBuilder();
            Simulation.run(Schedule.draw(seed), first);
            Simulation.run(Schedule.draw(seed), second);
            assertThat(first.toString()).isNotEmpty().isEqualTo(second.toString());
        }
    }

    @Test
    void under_an_api_server_that_answers_everyone_in_under_half_the_renew_deadline_the_first_leader_keeps_acting() {
        // every answer 900 ms late, plus the request's own 1-20 ms: under half of the 2 s renew deadline
        long slowMs = Schedule.BASE.renewDeadlineMs() / 2 - 100;
        Fault slow = new Fault(Fault.Kind.SLOW_API, -1, 2000, 20_000, slowMs);
        Schedule schedule = new Schedule(
                5,
                List.of(Schedule.BASE, Schedule.BASE, Schedule.BASE),
                new double[] {1.0, 0.97, 1.03},
                List.of(slow),
                22_000);
        Simulation.Outcome outcome = Simulation.run(schedule, null);
        assertThat(outcome.violation()).isNull();
        assertThat(outcome.terms())
                .as("one term from start to end: no gap, no second leader")
                .isEqualTo(1);
    }

    @Test
    void answers_late_by_up_to_the_renew_deadline_minus_a_retry_period_cost_the_leader_neither_its_term_nor_a_gap() {
        // R - retry x jitter = 2000 - 600 = 1400 ms: every answer 1.35 s late (some up to a quarter sooner), for 20 s
        Fault slow = new Fault(Fault.Kind.SLOW_API, -1, 2000, 20_000, 1350);
        for (long seed = 1; seed <= 20; seed++) {
            Schedule schedule = new Schedule(
                    seed,
                    List.of(Schedule.BASE, Schedule.BASE, Schedule.BASE),
                    new double[] {1.0, 0.97, 1.03},
                    List.of(slow),
                    22_000);
            Simulation.Outcome outcome = Simulation.run(schedule, null);
            assertThat(outcome.violation()).as("seed %d", seed).isNull();
            assertThat(outcome.terms())
                    .as("seed %d: one term from start to end", seed)
                    .isEqualTo(1);
            assertThat(outcome.refused())
                    .as("seed %d: no exchange refused, so no gap", seed)
                    .isZero();
        }
    }

    @Test
    @Tag(SIMULATOR)
    void no_leader_after_the_faults_is_a_violation_too() {
        // the API server refuses everyone for good: the leader's renewals fail, nobody may lead, the check must fail
        Schedule drawn = Schedule.draw(11);
        List<Fault> apiGone = List.of(new Fault(Fault.Kind.API_DOWN, -1, 100, 1_000_000, 0));
        Schedule schedule = new Schedule(11, drawn.timings(), drawn.rates(), apiGone, 3000);
        assertThat(Simulation.run(schedule, null).violation()).startsWith("no replica acts");
    }
}
