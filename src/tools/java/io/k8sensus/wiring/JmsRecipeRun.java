package io.k8sensus.wiring;

import java.time.Duration;
import java.util.List;

/**
 * One run of the JMS recipe: an Artemis broker, 3 replicas of the jar on the recipe's routes, a steady feed of items
 * (some sent twice, as an at-least-once producer does), and during it the {@link FailoverPlan}'s faults. Then every
 * item's result is waited for.
 */
public final class JmsRecipeRun {

    private JmsRecipeRun() {}

    public record Result(WorkQueue.Outcome outcome, int failovers) {}

    public static Result run(String name, int items, double perSecond, int rounds) {
        try (ArtemisBroker broker = new ArtemisBroker()) {
            broker.start();
            try (WorkQueue queue = new WorkQueue(broker);
                    RecipeCluster cluster = new RecipeCluster(
                            name, WorkQueue.GROUP, WorkQueue.RECIPE, WorkQueue.environment(broker), List.of())) {
                cluster.start(3);
                queue.feed(items, perSecond, 10);
                FailoverPlan.Progress progress = new FailoverPlan.Progress() {
                    public long done() {
                        return queue.done();
                    }

                    public long doneAbove(long epoch) {
                        return queue.doneAbove(epoch);
                    }

                    public long highestEpoch() {
                        return queue.highestEpoch();
                    }
                };
                int failovers = FailoverPlan.run(
                        cluster, progress, rounds, leader -> true, FailoverPlan.spacing(items, rounds));
                FailoverPlan.awaitUntil(
                        "every item's result",
                        Duration.ofSeconds(120),
                        () -> queue.fed(items) && queue.done() == items);
                FailoverPlan.awaitUntil(
                        "the work queue drained, re-sent items included",
                        Duration.ofSeconds(60),
                        () -> queue.resent() == items / 10 && broker.pending("work") == 0);
                return new Result(queue.outcome(items), failovers);
            }
        }
    }
}
