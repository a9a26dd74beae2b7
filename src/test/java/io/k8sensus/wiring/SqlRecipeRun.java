package io.k8sensus.wiring;

import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * One run of the SQL recipe: PostgreSQL, the schema, 3 replicas of the jar on the recipe's routes, a steady feed of
 * jobs, and during it, {@code rounds} times: the leader killed with kill -9, stopped with SIGTERM, and paused with
 * SIGSTOP while it holds claimed jobs until another replica records results, then resumed (SIGCONT), so that it
 * wakes up as a zombie with work in hand. Then every job is waited for, and the table tells what happened.
 */
public final class SqlRecipeRun {

    public record Result(JobTable.Outcome outcome, int failovers, long pausedLeaderRefusals) {
    }

    private SqlRecipeRun() {
    }

    public static Result run(String name, int items, double perSecond, int rounds) {
        try (PostgresServer postgres = new PostgresServer()) {
            postgres.start();
            try (JobTable jobs = new JobTable(postgres);
                 RecipeCluster cluster = new RecipeCluster(name, JobTable.GROUP, JobTable.RECIPE,
                         JobTable.environment(postgres), List.of())) {
                jobs.createSchema();
                cluster.start(3);
                jobs.feed(items, perSecond);
                int failovers = 0;
                long pausedLeaderRefusals = 0;
                for (int round = 0; round < rounds; round++) {
                    String crashed = workingLeader(cluster, jobs, 20);
                    cluster.kill9AndReplace(crashed);
                    failovers++;
                    String stopped = workingLeader(cluster, jobs, 20);
                    cluster.stopAndReplace(stopped);
                    failovers++;
                    String paused = workingLeader(cluster, jobs, 20);
                    // pause it while it holds claimed jobs, so that it wakes up with work in hand
                    await("the leader " + paused + " holding claimed jobs")
                            .until(() -> jobs.claimedBy(paused) >= 2);
                    long pausedEpoch = jobs.highestEpoch();
                    cluster.pause(paused);
                    await("another replica recording results after " + paused + " was paused")
                            .until(() -> jobs.doneAbove(pausedEpoch) > 0);
                    cluster.resume(paused);
                    failovers++;
                    await("the woken " + paused + " finishing its batch")
                            .until(() -> jobs.claimedBy(paused) == 0);
                    pausedLeaderRefusals += jobs.refusalsBy(paused, "stale-epoch");
                }
                await("every job done").atMost(Duration.ofSeconds(120))
                        .until(() -> jobs.inserted() == items && jobs.done() == items);
                return new Result(jobs.outcome(), failovers, pausedLeaderRefusals);
            }
        }
    }

    /** The leader, once it has recorded {@code results} more results (so every fault hits a working leader). */
    private static String workingLeader(RecipeCluster cluster, JobTable jobs, int results) {
        long before = jobs.done();
        await("a leader recording " + results + " results").atMost(RecipeCluster.takeoverBound())
                .until(() -> cluster.leader() != null && jobs.done() >= before + results);
        String leader = cluster.leader();
        await("the leader " + leader + " recording").until(() -> leader.equals(cluster.leader()));
        return leader;
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(RecipeCluster.takeoverBound()).pollInterval(Duration.ofMillis(20));
    }
}
