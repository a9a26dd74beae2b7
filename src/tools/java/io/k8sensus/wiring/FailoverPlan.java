package io.k8sensus.wiring;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * The faults of a recipe's run, each on a leader that is working: kill -9, SIGTERM, and SIGSTOP until another
 * replica has done work in a newer term, then SIGCONT (the paused leader wakes up as a zombie, with what it held).
 * A killed or stopped replica is replaced by a new one, as a Deployment's controller would.
 */
public final class FailoverPlan {

    /** What a recipe's outside view can tell: how many items are done, and in which terms. */
    public interface Progress {
        long done();

        long doneAbove(long epoch);

        long highestEpoch();
    }

    private FailoverPlan() {}

    /**
     * Runs {@code rounds} rounds of the three faults; {@code holding} tells whether a leader holds work in hand (the
     * pause waits for it, so that the zombie wakes up with work to finish). Returns the number of failovers.
     */
    public static int run(
            RecipeCluster cluster, Progress progress, int rounds, Predicate<String> holding, int itemsBetweenFaults) {
        int failovers = 0;
        for (int round = 0; round < rounds; round++) {
            cluster.kill9AndReplace(workingLeader(cluster, progress, itemsBetweenFaults));
            failovers++;
            cluster.stopAndReplace(workingLeader(cluster, progress, itemsBetweenFaults));
            failovers++;
            String paused = workingLeader(cluster, progress, itemsBetweenFaults);
            await("the leader " + paused + " holding work").until(() -> holding.test(paused));
            long pausedEpoch = progress.highestEpoch();
            cluster.pause(paused);
            await("another replica working after " + paused + " was paused")
                    .until(() -> progress.doneAbove(pausedEpoch) > 0);
            cluster.resume(paused);
            failovers++;
        }
        return failovers;
    }

    /** Items between two faults, so that the faults are spread over the run and all come before its end. */
    public static int spacing(int items, int rounds) {
        return Math.max(10, items / (3 * rounds + 1));
    }

    /** The leader, once it has done {@code items} more items (so that every fault hits a working leader). */
    static String workingLeader(RecipeCluster cluster, Progress progress, int items) {
        long before = progress.done();
        await("a leader doing " + items + " items")
                .until(() -> cluster.leader() != null && progress.done() >= before + items);
        return cluster.leader();
    }

    public static void awaitUntil(String what, Duration atMost, BooleanSupplier condition) {
        Awaitility.await(what)
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(RecipeCluster.takeoverBound()).pollInterval(Duration.ofMillis(20));
    }
}
