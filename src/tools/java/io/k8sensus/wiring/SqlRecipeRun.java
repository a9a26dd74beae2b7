package io.k8sensus.wiring;

import java.time.Duration;
import java.util.List;

/**
 * One run of the SQL recipe: PostgreSQL, the schema, 3 replicas of the jar on the recipe's routes, a steady feed of
 * jobs, and during it the {@link FailoverPlan}'s faults; the pause comes while the leader holds claimed jobs, so that
 * it wakes up as a zombie with results to record. Then every job is waited for, and the table tells what happened.
 */
public final class SqlRecipeRun {

    public record Result(JobTable.Outcome outcome, int failovers, long pausedLeaderRefusals) {}

    private SqlRecipeRun() {}

    public static Result run(String name, int items, double perSecond, int rounds) {
        try (PostgresServer postgres = new PostgresServer()) {
            postgres.start();
            try (JobTable jobs = new JobTable(postgres);
                    RecipeCluster cluster = new RecipeCluster(
                            name, JobTable.GROUP, JobTable.RECIPE, JobTable.environment(postgres), List.of())) {
                jobs.createSchema();
                cluster.start(3);
                jobs.feed(items, perSecond);
                FailoverPlan.Progress progress = new FailoverPlan.Progress() {
                    public long done() {
                        return jobs.done();
                    }

                    public long doneAbove(long epoch) {
                        return jobs.doneAbove(epoch);
                    }

                    public long highestEpoch() {
                        return jobs.highestEpoch();
                    }
                };
                int failovers = FailoverPlan.run(
                        cluster,
                        progress,
                        rounds,
                        leader -> jobs.claimedBy(leader) >= 2,
                        FailoverPlan.spacing(items, rounds));
                FailoverPlan.awaitUntil(
                        "every job done",
                        Duration.ofSeconds(120),
                        () -> jobs.inserted() == items && jobs.done() == items);
                // every refusal of a stale term, i.e. of a paused leader that woke up
                return new Result(jobs.outcome(), failovers, jobs.refusals("stale-epoch"));
            }
        }
    }
}
