package io.k8sensus.wiring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One run of the file recipe: a shared directory, 3 replicas of the jar on the recipe's routes, a steady drop of
 * files (one in twenty rejected by the work), and during it the {@link FailoverPlan}'s faults. Then every file is
 * waited for, and the directory and the replicas' event=file-done lines tell what happened.
 */
public final class FileRecipeRun {

    private FileRecipeRun() {}

    public record Outcome(
            long files,
            long results,
            long rejected,
            long failed,
            long lost,
            long doneTwice,
            long duplicatesRefused,
            List<String> leftBehind,
            List<String> wronglyPlaced,
            long epochs,
            long longestGapMs) {}

    public record Result(Outcome outcome, int failovers) {}

    public static Result run(String name, int files, double perSecond, int rounds) {
        try (PickupDir dir = new PickupDir();
                RecipeCluster cluster =
                        new RecipeCluster(name, PickupDir.GROUP, PickupDir.RECIPE, dir.environment(), List.of())) {
            cluster.start(3);
            dir.feed(files, perSecond, 20);
            FailoverPlan.Progress progress = new FailoverPlan.Progress() {
                public long done() {
                    return dir.done();
                }

                public long doneAbove(long epoch) {
                    return dir.doneAbove(epoch);
                }

                public long highestEpoch() {
                    return dir.highestEpoch();
                }
            };
            int failovers =
                    FailoverPlan.run(cluster, progress, rounds, leader -> true, FailoverPlan.spacing(files, rounds));
            try {
                FailoverPlan.awaitUntil(
                        "every file handled",
                        Duration.ofSeconds(120),
                        () -> dir.fed(files)
                                && dir.handled() == files
                                && dir.names("inbox").isEmpty());
            } catch (ConditionTimeoutException e) {
                // what a reader needs to tell why: where the files are, who leads, what the replicas said last
                System.out.println("fed all: " + dir.fed(files) + ", handled " + dir.handled() + " of " + files
                        + ", in inbox/: " + dir.names("inbox") + ", leader: " + cluster.leader()
                        + ", live: " + cluster.live());
                System.out.println(
                        "files under the pickup directory outside done/, results/ and failed/: " + dir.tree());
                cluster.lines().stream()
                        .filter(l -> !l.text().contains(" heartbeat "))
                        .forEach(l -> System.out.println(l.replica() + " " + l.text()));
                List<RecipeCluster.Line> lines = cluster.lines();
                lines.subList(Math.max(0, lines.size() - 80), lines.size())
                        .forEach(l -> System.out.println(l.replica() + " " + l.text()));
                throw e;
            }

            long rejected =
                    dir.dropped().keySet().stream().filter(dir::rejected).count();
            List<String> results = dir.names("results").stream()
                    .filter(n -> !n.endsWith(".part"))
                    .toList();
            List<String> failed = dir.names("failed");
            long lost = dir.dropped().keySet().stream()
                    .filter(f -> !dir.rejected(f) && !results.contains(f))
                    .count();
            List<String> wronglyPlaced = new ArrayList<>();
            dir.names("done").stream().filter(dir::rejected).forEach(f -> wronglyPlaced.add("done/" + f));
            failed.stream().filter(f -> !dir.rejected(f)).forEach(f -> wronglyPlaced.add("failed/" + f));
            results.stream().filter(dir::rejected).forEach(f -> wronglyPlaced.add("results/" + f));
            Map<String, Integer> writes = new HashMap<>();
            cluster.linesContaining("event=file-done file=")
                    .forEach(l -> writes.merge(
                            l.text().replaceAll(".*event=file-done file=(\\S+).*", "$1"), 1, Integer::sum));
            long twice = writes.values().stream().filter(n -> n > 1).count();
            long refused = cluster.linesContaining("event=file-duplicate").size();
            long epochs = dir.epochs();
            return new Result(
                    new Outcome(
                            files,
                            results.size(),
                            rejected,
                            failed.size(),
                            lost,
                            twice,
                            refused,
                            dir.leftBehind(),
                            wronglyPlaced,
                            epochs,
                            dir.longestGapMs()),
                    failovers);
        }
    }
}
