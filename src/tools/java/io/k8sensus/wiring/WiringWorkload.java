package io.k8sensus.wiring;

import io.k8sensus.cli.CommandLine;
import io.k8sensus.tools.DocBlock;
import io.k8sensus.tools.RunConditions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The recipes' full workload ({@code make wiring}): each recipe on 3 replicas of the jar with its real server, 1,000
 * items and three rounds of kill -9, SIGTERM and a pause past the lease (9 failovers), then the table of
 * docs/WIRING.md. Options: {@code --items N}, {@code --rounds N}, {@code --rate PER_SECOND},
 * {@code --recipes sql,jms,file}, {@code --write docs/WIRING.md}.
 */
public final class WiringWorkload {

    private WiringWorkload() {}

    public static void main(String[] args) throws IOException {
        CommandLine line = CommandLine.parseOrExit(
                args,
                List.of("--items", "--rounds", "--rate", "--recipes", "--write"),
                List.of(),
                "Usage: make wiring ARGS=\"[--items N] [--rounds N] [--rate R]" + " [--recipes sql,jms,file]\"");
        int items = (int) line.number("--items", 1000);
        int rounds = (int) line.number("--rounds", 3);
        double rate = line.decimal("--rate", 20);
        List<String> recipes = line.list("--recipes", "sql,jms,file");
        Path write = line.path("--write", null);
        List<String> rows = new ArrayList<>();
        boolean ok = true;
        for (String recipe : recipes) {
            long start = System.nanoTime();
            String row;
            switch (recipe) {
                case "sql" -> {
                    SqlRecipeRun.Result r = SqlRecipeRun.run("sql-workload", items, rate, rounds);
                    JobTable.Outcome o = r.outcome();
                    ok &= o.lost() == 0 && o.doneTwice() == 0 && o.unfinished() == 0 && o.staleAccepted() == 0;
                    row = row(
                            "SQL job table (PostgreSQL)",
                            o.items(),
                            r.failovers(),
                            o.lost(),
                            o.doneTwice(),
                            o.refusedStale() + o.refusedDone() + " (" + o.refusedStale() + " stale epoch, "
                                    + o.refusedDone() + " already done); stale results accepted: " + o.staleAccepted(),
                            o.longestGapMs(),
                            start);
                }
                case "jms" -> {
                    JmsRecipeRun.Result r = JmsRecipeRun.run("jms-workload", items, rate, rounds);
                    WorkQueue.Outcome o = r.outcome();
                    ok &= o.lost() == 0 && o.doneTwice() == 0;
                    row = row(
                            "Exclusive queue consumer (Artemis)",
                            o.items(),
                            r.failovers(),
                            o.lost(),
                            o.doneTwice(),
                            o.duplicatesRefused() + " (" + o.resent() + " re-sent by the producer, "
                                    + (o.duplicatesRefused() - o.resent()) + " redelivered after a failover)",
                            o.longestGapMs(),
                            start);
                }
                case "file" -> {
                    FileRecipeRun.Result r = FileRecipeRun.run("file-workload", items, rate, rounds);
                    FileRecipeRun.Outcome o = r.outcome();
                    ok &= o.lost() == 0
                            && o.doneTwice() == 0
                            && o.leftBehind().isEmpty()
                            && o.wronglyPlaced().isEmpty();
                    row = row(
                            "File pickup (shared directory)",
                            o.files(),
                            r.failovers(),
                            o.lost(),
                            o.doneTwice(),
                            o.duplicatesRefused() + "; " + o.rejected() + " rejected files in failed/, "
                                    + o.leftBehind().size() + " left behind",
                            o.longestGapMs(),
                            start);
                }
                default -> throw new IllegalArgumentException("unknown recipe " + recipe);
            }
            System.out.println(row);
            rows.add(row);
        }
        String table = String.join(
                "\n",
                "Measured " + Instant.now().toString().substring(0, 10) + " with `make wiring` (" + items
                        + " items per recipe at " + fmt(rate) + "/s, " + rounds
                        + " rounds of kill -9, SIGTERM and SIGSTOP"
                        + " past the lease; 3 replicas; lease 3000 ms, renew deadline 2000 ms, retry period 500 ms) on "
                        + RunConditions.machine() + ":",
                "",
                "| recipe | items | failovers | lost | done twice | duplicates refused | longest gap | run |",
                "|---|---|---|---|---|---|---|---|",
                String.join("\n", rows));
        System.out.println(table);
        if (write != null) {
            DocBlock.write(write, "wiring-workload", table);
            System.out.println("wrote " + write);
        }
        System.exit(ok ? 0 : 1);
    }

    private static String row(
            String recipe,
            long items,
            int failovers,
            long lost,
            long twice,
            String refused,
            long gapMs,
            long startNanos) {
        return "| " + recipe + " | " + items + " | " + failovers + " | " + lost + " | " + twice + " | " + refused
                + " | " + fmt(gapMs / 1000.0) + " s | " + Math.round((System.nanoTime() - startNanos) / 1e9) + " s |";
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
