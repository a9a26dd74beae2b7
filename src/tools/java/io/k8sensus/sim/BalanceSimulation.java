package io.k8sensus.sim;

import io.k8sensus.cli.CommandLine;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

/**
 * {@code make simulate-balance}: balancing's schedules ({@link Schedule#drawBalance}: 2-5 replicas starting at random
 * times, 1-12 groups, crashes, stops, pauses and Pods leaving) in the one simulated world ({@link Simulation}), which
 * checks each group's safety as for every schedule, and then the placement: within the bound after the faults every
 * group is led and the replicas lead ⌊G/R⌋ or ⌈G/R⌉ each; after that, no group moves again (no flapping).
 * {@code --schedules N} runs seeds 1..N (default 100,000) and prints a summary; {@code --seed N} replays one schedule
 * and prints every step.
 */
final class BalanceSimulation {

    private BalanceSimulation() {}

    public static void main(String[] args) {
        CommandLine line = CommandLine.parseOrExit(
                args,
                List.of("--seed", "--schedules"),
                List.of(),
                "Usage: make simulate-balance ARGS=\"[--schedules N | --seed N]\"");
        if (line.has("--seed")) {
            long seed = line.number("--seed", 0);
            StringBuilder trace = new StringBuilder();
            Schedule schedule = Schedule.drawBalance(seed);
            Simulation.Outcome outcome = Simulation.run(schedule, trace);
            System.out.print(trace);
            System.out.println(schedule.timings().size() + " replicas, " + schedule.groups() + " groups, starts "
                    + Arrays.toString(schedule.startMs()) + ", faults " + schedule.faults());
            System.out.println(outcome);
            System.exit(outcome.violation() == null ? 0 : 1);
        }
        long schedules = line.number("--schedules", 100_000);
        Simulation.Outcome[] outcomes = LongStream.rangeClosed(1, schedules)
                .parallel()
                .mapToObj(seed -> Simulation.run(Schedule.drawBalance(seed), null))
                .toArray(Simulation.Outcome[]::new);
        long violations =
                Arrays.stream(outcomes).filter(o -> o.violation() != null).count();
        Arrays.stream(outcomes)
                .filter(o -> o.violation() != null)
                .limit(Long.getLong("k8sensus.sim.show", 5))
                .forEach(o -> System.out.println("seed " + o.seed() + ": " + o.violation()));
        long[] converged = Arrays.stream(outcomes)
                .mapToLong(Simulation.Outcome::convergedAfterMs)
                .filter(ms -> ms >= 0)
                .sorted()
                .toArray();
        System.out.printf(
                "%d schedules, %d violations; moves %d (after the faults %d); balanced after the faults:"
                        + " median %d ms, max %d ms%n",
                schedules,
                violations,
                Arrays.stream(outcomes).mapToLong(Simulation.Outcome::moves).sum(),
                Arrays.stream(outcomes)
                        .mapToLong(Simulation.Outcome::movesAfterFaults)
                        .sum(),
                converged.length == 0 ? -1 : converged[converged.length / 2],
                converged.length == 0 ? -1 : converged[converged.length - 1]);
        System.exit(violations == 0 ? 0 : 1);
    }
}
