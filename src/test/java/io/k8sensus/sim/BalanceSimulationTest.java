package io.k8sensus.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Balancing's deterministic simulation, short form: seeded schedules of staggered starts, crashes, stops, pauses and
 * Pods leaving, with 2-5 replicas and 1-12 groups; none may let two replicas act at once in a group, lower an epoch,
 * leave the groups unbalanced after the faults, or move them back and forth ({@code make simulate-balance} runs the
 * long form).
 */
class BalanceSimulationTest {

    static final long SCHEDULES = 500;

    @Test
    void no_schedule_breaks_a_groups_safety_or_leaves_the_groups_unbalanced_after_the_faults() {
        long schedules = Long.getLong("k8sensus.sim.balance-schedules", SCHEDULES);
        Simulation.Outcome[] outcomes = LongStream.rangeClosed(1, schedules)
                .parallel()
                .mapToObj(seed -> Simulation.run(Schedule.drawBalance(seed), null))
                .toArray(Simulation.Outcome[]::new);
        Simulation.Outcome firstViolation = Arrays.stream(outcomes)
                .filter(o -> o.violation() != null)
                .findFirst()
                .orElse(null);
        assertThat(firstViolation)
                .as(
                        firstViolation == null
                                ? ""
                                : "seed " + firstViolation.seed() + ": "
                                        + firstViolation.violation() + "; replay: make simulate-balance ARGS=\"--seed "
                                        + firstViolation.seed()
                                        + "\"")
                .isNull();
        long moved =
                Arrays.stream(outcomes).mapToLong(Simulation.Outcome::moves).sum();
        assertThat(moved)
                .as("schedules in which groups moved: the rules were exercised")
                .isGreaterThan(schedules / 2);
        long slowest = Arrays.stream(outcomes)
                .mapToLong(Simulation.Outcome::convergedAfterMs)
                .max()
                .orElse(0);
        System.out.println("balance simulation: " + schedules + " schedules, " + moved + " moves, balanced at the"
                + " latest " + slowest + " ms after the faults");
    }

    @Test
    @Tag(SimulationTest.SIMULATOR)
    void with_balancing_switched_off_the_simulation_finds_unbalanced_groups_and_no_safety_violation() {
        long unbalanced = 0;
        for (long seed = 1; seed <= 200; seed++) {
            String violation =
                    Simulation.runWithoutBalancing(Schedule.drawBalance(seed)).violation();
            if (violation == null) {
                continue; // balanced by chance (one group, or starts and failovers that happened to spread them)
            }
            assertThat(violation).as("seed %d", seed).doesNotContain("at once").doesNotContain("epoch");
            if (violation.startsWith("not balanced")) {
                unbalanced++;
            }
        }
        assertThat(unbalanced)
                .as("schedules left unbalanced without the balancer")
                .isGreaterThan(50);
    }

    @Test
    @Tag(SimulationTest.SIMULATOR)
    void a_seed_replays_the_same_run_step_for_step() {
        for (long seed : new long[] {3, 77, 1234}) {
            StringBuilder first = new StringBuilder();
            StringBuilder second = new StringBuilder();
            Simulation.run(Schedule.drawBalance(seed), first);
            Simulation.run(Schedule.drawBalance(seed), second);
            assertThat(first.toString()).isNotEmpty().isEqualTo(second.toString());
        }
    }
}
