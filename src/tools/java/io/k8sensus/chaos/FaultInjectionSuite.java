package io.k8sensus.chaos;

import io.k8sensus.cli.CommandLine;
import io.k8sensus.tools.DocBlock;
import io.k8sensus.tools.RunConditions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The fault-injection suite: each scenario on a fresh cluster of 3 real replica processes, its history checked, a
 * table printed and, with {@code --write FILE}, written as Markdown. {@code make chaos} runs all of it;
 * {@code --only a,b} runs some, and then writes nothing (a part of the suite would replace the whole table). Exits 1
 * if a scenario fails, and if one was skipped (its tool, faketime, is not installed) unless {@code --allow-skipped}
 * says that is fine. {@code --jar PATH} runs the replicas from another build's jar (its lib/ beside it).
 * {@code --list} prints the scenarios and runs none.
 */
public final class FaultInjectionSuite {

    /** Lease 4 s, renew deadline 2.5 s, retry period 0.5 s (x1.2), call timeout 2 s, heartbeat every 0.5 s. */
    static final ChaosCluster.Timings TIMINGS = new ChaosCluster.Timings(4000, 2500, 500, 2000, 500);

    private FaultInjectionSuite() {}

    public static void main(String[] args) throws Exception {
        String usage = "Usage: make chaos ARGS=\"[--only scenario,...] [--allow-skipped] [--jar other/k8sensus.jar]"
                + " | --list\"";
        CommandLine line = CommandLine.parseOrExit(
                args, List.of("--only", "--write", "--jar"), List.of("--allow-skipped", "--list"), usage);
        if (line.has("--list")) {
            System.out.print(list());
            return;
        }
        String only = line.text("--only", null);
        List<String> scenarios = CommandLine.orExit(() -> known(only), usage);
        String write = line.text("--write", null);
        // another build's jar (with its lib/ beside it), e.g. an older commit's, under this harness
        Path jar = Path.of(line.text("--jar", Path.of("target", "k8sensus.jar").toString()));
        List<ChaosRun.Result> results;
        String load;
        String commit = RunConditions.commit(); // what was built and run, whatever changes meanwhile
        try (RunConditions machine = new RunConditions()) {
            results = run(jar, scenarios);
            load = machine.describe();
        }
        String table = table(results);
        System.out.println(table);
        if (write != null && only != null) {
            System.out.println("not written to " + write + ": --only runs a part of the suite");
        } else if (write != null && line.text("--jar", null) != null) {
            System.out.println("not written to " + write + ": --jar runs another build than this commit's");
        } else if (write != null) {
            DocBlock.write(Path.of(write), "chaos", document(table, commit, load));
            Path raw = Path.of(write).resolveSibling("chaos");
            writeHistories(results, raw);
            System.out.println("written to " + write + " and " + raw);
        }
        boolean allowSkipped = line.has("--allow-skipped");
        results.stream()
                .filter(r -> r.skipped() != null && !allowSkipped)
                .forEach(r -> System.out.println(r.scenario().name() + " was SKIPPED (" + r.skipped()
                        + "): install it, or accept the gap with" + " ARGS=\"--allow-skipped\""));
        System.exit(exitCode(results, allowSkipped));
    }

    /** Every scenario's recorded history, one CSV file each; nothing of an earlier run is kept. */
    private static void writeHistories(List<ChaosRun.Result> results, Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var old = Files.list(dir)) {
                for (Path file : old.filter(f -> f.toString().endsWith(".csv")).toList()) {
                    Files.delete(file);
                }
            }
        }
        Files.createDirectories(dir);
        for (ChaosRun.Result r : results) {
            if (r.history() != null) {
                Files.writeString(dir.resolve(r.scenario().name() + ".csv"), r.history());
            }
        }
    }

    /** 0 when every scenario passed (or was skipped, if that is allowed); 1 otherwise. */
    /** The scenarios, one line each: the name {@code --only} takes, the fault, and what bounds the takeover. */
    static String list() {
        StringBuilder out = new StringBuilder();
        for (Scenario s : Scenario.all(TIMINGS)) {
            out.append(String.format("%-23s %s; %s%n", s.name(), s.fault(), s.boundText()));
        }
        return out.toString();
    }

    /** {@code only} as scenario names (null: all); a name that is not a scenario's is a usage error. */
    static List<String> known(String only) {
        if (only == null) {
            return null;
        }
        List<String> names = Scenario.all(TIMINGS).stream().map(Scenario::name).toList();
        List<String> asked = List.of(only.split(","));
        List<String> unknown = asked.stream().filter(n -> !names.contains(n)).toList();
        if (!unknown.isEmpty()) {
            throw new CommandLine.UsageException(
                    "no such scenario: " + String.join(", ", unknown) + " (make chaos ARGS=\"--list\" lists them)");
        }
        return asked;
    }

    static int exitCode(List<ChaosRun.Result> results, boolean allowSkipped) {
        return results.stream().allMatch(r -> r.passed() || allowSkipped && r.skipped() != null) ? 0 : 1;
    }

    static List<ChaosRun.Result> run(Path jar, List<String> only) throws Exception {
        List<ChaosRun.Result> results = new ArrayList<>();
        for (Scenario scenario : Scenario.all(TIMINGS)) {
            if (only != null && !only.contains(scenario.name())) {
                continue;
            }
            long start = System.nanoTime();
            ChaosRun.Result result = ChaosRun.run(scenario, jar, TIMINGS);
            results.add(result);
            System.out.printf(
                    "[chaos] %-23s %s (%d s)%n",
                    scenario.name(), line(result), (System.nanoTime() - start) / 1_000_000_000);
        }
        return results;
    }

    static String line(ChaosRun.Result r) {
        if (r.skipped() != null) {
            return "SKIPPED: " + r.skipped();
        }
        History.Verdict v = r.verdict();
        return (r.passed() ? "PASS" : "FAIL") + " takeover=" + v.takeoverMs() + " ms overlaps=" + v.overlaps()
                + " stale=" + v.stale() + " (allowed " + r.scenario().staleAllowed() + ") fence-refused=" + v.fenced()
                + " fence-accepted-stale=" + v.staleAccepted() + " both-acting="
                + (v.bothActingMs() < 0 ? "never" : v.bothActingMs() + " ms")
                + " epoch-regressions=" + v.epochRegressions() + " max-gap=" + v.maxGapMs() + " ms bound="
                + r.scenario().boundMs() + " ms" + (r.held() == null ? "" : "; " + r.held())
                + (r.problem() == null ? "" : "; " + r.problem());
    }

    static String table(List<ChaosRun.Result> results) {
        StringBuilder md = new StringBuilder();
        md.append("| scenario | fault | bound | observed takeover | overlaps | stale actions (allowed)"
                + " | refused by the fence | stale accepted by the fence | both acting | lower or reused epochs"
                + " | longest gap | verdict |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ChaosRun.Result r : results) {
            Scenario s = r.scenario();
            String bound = s.setup().held() != null
                    ? s.boundText()
                    : (s.leaderChanges() ? "takeover <= " : "gap <= ") + s.boundMs() + " ms (" + s.boundText() + ")";
            List<String> cells = new ArrayList<>(List.of(s.name(), s.fault(), bound));
            History.Verdict v = r.verdict();
            if (r.skipped() != null) {
                cells.addAll(Collections.nCopies(8, "-"));
                cells.add("SKIPPED: " + r.skipped());
            } else {
                cells.addAll(List.of(
                        v.takeoverMs() < 0 ? "none (same leader)" : v.takeoverMs() + " ms",
                        String.valueOf(v.overlaps()),
                        v.stale() + " (" + s.staleAllowed() + ")",
                        s.setup().fenced() ? String.valueOf(v.fenced()) : "no fence",
                        s.setup().fenced() ? String.valueOf(v.staleAccepted()) : "no fence",
                        v.bothActingMs() < 0 ? "never" : v.bothActingMs() + " ms",
                        String.valueOf(v.epochRegressions()),
                        v.maxGapMs() + " ms",
                        (r.passed() ? "PASS" : "FAIL") + (r.held() == null ? "" : " (" + r.held() + ")")));
            }
            md.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        return md.toString();
    }

    private static String document(String table, String commit, String load) {
        return """
                ## Fault injection with real processes

                Each scenario starts a fresh cluster: the embedded Kubernetes API with one port per replica (one store),
                three replica processes of `target/k8sensus.jar` (k8sensus elector), Pods played Running and Ready by
                the harness. The fault comes at steady state: every replica follows the leader, a lease duration has
                passed since, and the leader has renewed once more. Every leader-only action (the shipped heartbeat,
                every %d ms) is recorded as `{replica, epoch, seq}` on the harness's monotonic clock as it arrives, and
                so is every state of the group's Lease (holder, epoch) that the harness's own watch delivers. The
                whole run is checked, from the first action on, start-up included: *overlaps* are actions by a
                replica other than the owner of the newest epoch, with that same epoch; *stale actions* are those of
                a term that had ended: their epoch is lower than one that already acted, or than the one the Lease
                already named (an old leader acting after a new one took the Lease counts, whether or not the new one
                has acted yet), and a completion of work after that counts too; *both acting* is the longest time two
                replicas' terms (a term: one replica process acting with one epoch) were both working, whatever their
                epochs, a term working from its first action's start to its last action's start or, for a route that
                logs it (`leader work done ...`), completion; *lower or reused epochs* counts new terms whose epoch is
                not above every epoch seen before them, and Lease states whose epoch went down; the *takeover* is the
                time from the fault to the first action of a new term. A scenario on a group of its own (from a route
                file given through `k8sensus.routes.dir`) is checked on that group's actions: graceful-stop-in-flight
                on group `slow`, not-ready-in-flight on group `inflight` (1.5 s actions, one every 300 ms),
                blocking-stop on group `blocking` (a test component's consumer whose stop blocks L - R + 1 s, beside
                a timer route; the replicas run with the tools' classes on their class path), sigstop-long on group
                `fenced`, whose route sends every action to a fencing receiver (a process of the jar running
                `examples/fencing/receiver`, with the `epochFence` step); the receiver's refusals
                (`event=fence-rejected`) and acceptances are counted from its own log.

                Timings: lease L = %d ms, renew deadline R = %d ms, retry period %d ms x jitter 1.2 (P = %d ms),
                call timeout %d ms; lease-duration-edit runs at lease %d ms, renew deadline %d ms, retry period %d ms,
                so that the leader renews less often than the edited 1 s, and also needs the Lease to show the
                leader's %d s again at the end. slow-answers-r2, slow-answers-3r4 and slow-answers-r run at lease
                3 s, R 2 s, retry 0.5 s (x1.2), call timeout 1.6 s, with the heartbeat every 100 ms: every API answer
                to every replica (not the watch events) R / 2, 3R / 4 or R late for 15 s, then on time again; they
                are read over those 15 s instead of a takeover or gap bound: R / 2 passes with no new term from the
                fault to the end of the run and at least 95 %% of the expected actions (one per 100 ms), 3R / 4 with
                no new term and at least two thirds of them, R with never two terms acting; the rules below hold for
                them too. Pass: no overlap; no lower or reused epoch; no two terms acting at
                once; no more stale actions than the scenario allows (0, except sigstop-long: 1, the woken leader's
                timer firing once before its term's end, due during the pause, is handled), and where a fence runs,
                every stale action refused by it and none accepted; takeover (or, where the leader must not change, the longest
                gap) within the bound.

                Command: `make chaos` (`java ... io.k8sensus.chaos.FaultInjectionSuite --write docs/RELIABILITY.md`), at
                %s. Machine: %s%s. Run on %s. What the harness recorded in each scenario (every action,
                completion, Lease state and fence answer, in ms from the start of its run) is in
                [chaos/](chaos/), one CSV file per scenario.

                %s
                The CI runs a short form (`FaultInjectionIT`: sigterm, kill9-pod-ready, blackhole, sigstop-long,
                lease-deleted, slow-api, graceful-stop-in-flight, not-ready-in-flight, lease-duration-edit,
                blocking-stop, and clock-offset where libfaketime is installed: .ci/run installs it).
                """.formatted(
                        TIMINGS.periodMs(),
                        TIMINGS.leaseMs(),
                        TIMINGS.renewMs(),
                        TIMINGS.retryMs(),
                        TIMINGS.poll(),
                        TIMINGS.callTimeoutMs(),
                        Scenario.SLOW_RENEWAL.leaseMs(),
                        Scenario.SLOW_RENEWAL.renewMs(),
                        Scenario.SLOW_RENEWAL.retryMs(),
                        Scenario.SLOW_RENEWAL.leaseMs() / 1000,
                        commit,
                        RunConditions.machine(),
                        load.isEmpty() ? "" : "; " + load,
                        LocalDate.now(),
                        table);
    }
}
