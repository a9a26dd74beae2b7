package io.k8sensus.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.k8sensus.chaos.BenchmarkOptions;
import io.k8sensus.docs.DocumentedCommands.Command;
import io.k8sensus.testing.DirectoryCopy;
import io.k8sensus.testing.ExternalTool;
import io.k8sensus.testing.Kustomize;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command of the README and docs/ runs here, in CI, or in a named test, so that none can rot: a command added
 * to a document without a way below fails {@link #everyDocumentedCommandHasOneWay}. The make commands run as a user
 * runs them, each test from a scratch directory of its own laid out like a clone (the Makefile, the sources and the built jar and tools;
 * a copy of k8s/), with a stop added to those that run until Ctrl-C or for many minutes, and their output checked.
 * The README's first route is followed step by step: written, run, seen to fire on one replica, edited, seen to
 * change without a restart. What needs a cluster, a registry or an image builder is not run; what it names (the
 * namespace, the Leases, the labels, the image) is checked against what k8s/ deploys.
 */
@Execution(ExecutionMode.CONCURRENT)
class DocumentedCommandsIT {

    enum How {
        /** Run here (the first route's steps in {@link #theReadmesFirstRouteFiresOnOneReplicaAndAnEditChangesIt}). */
        FIRST_ROUTE,
        /** Run here, as written or with a stop added ({@link Way#bounded}), in {@link #theMakeCommandRuns}. */
        RUN,
        /** The test named does what it does (the same class and options, at a shorter length). */
        TEST,
        /** .ci/run runs it. */
        CI,
        /** Needs a cluster, a registry or an image builder: what it names is checked in {@link #whatNeedsAClusterNamesWhatK8sDeploys}. */
        CHECKED
    }

    /** How a documented command is exercised; {@code bounded} gives the command run, {@code expect} a line of its output. */
    record Way(Pattern command, How how, UnaryOperator<String> bounded, String expect, List<String> tests, String why) {

        boolean matches(String text) {
            return command.matcher(text).matches();
        }
    }

    private static Way way(String regex, How how, String why, String... tests) {
        return new Way(
                Pattern.compile(regex, Pattern.DOTALL), how, UnaryOperator.identity(), null, List.of(tests), why);
    }

    private static Way run(String regex, UnaryOperator<String> bounded, String expect) {
        return new Way(Pattern.compile(regex), How.RUN, bounded, expect, List.of(), "run here");
    }

    /** A make command with options added to its ARGS (created if absent). */
    private static UnaryOperator<String> withArgs(String... more) {
        return command -> {
            String extra = String.join(" ", more);
            Matcher args = Pattern.compile("ARGS=\"([^\"]*)\"").matcher(command);
            return args.find()
                    ? args.replaceFirst("ARGS=\"" + Matcher.quoteReplacement(args.group(1) + " " + extra) + "\"")
                    : command + " ARGS=\"" + extra + "\"";
        };
    }

    /** Drops an option and its value from the command's ARGS. */
    private static UnaryOperator<String> without(String... options) {
        return command -> {
            String result = command;
            for (String option : options) {
                result = result.replaceAll(" ?" + Pattern.quote(option) + " [^ \"]+", "");
            }
            return result.replace("ARGS=\" ", "ARGS=\"").replace(" ARGS=\"\"", "");
        };
    }

    private static UnaryOperator<String> then(UnaryOperator<String> first, UnaryOperator<String> second) {
        return command -> second.apply(first.apply(command));
    }

    /**
     * Every documented benchmark command cut to the same shortest run of the phases no other test runs: the memory
     * breakdown and one slow-API-server run, k8sensus alone, into the scratch directory, with its report. The documented
     * forms differ in lengths, contenders and where they write: the harness runs once here. The takeover trials run in
     * BenchmarkIT (one per contender, through the same FailoverTrial.run), as do the class-data archives; the phases for
     * balance, rollout and scaling have their own tests.
     */
    private static final UnaryOperator<String> SHORT_BENCH = command -> "make bench ARGS=\"--trials 0 --contenders"
            + " k8sensus --no-class-data --slow-api R/2 --slow-api-runs 1 --out target/bench-docs\"";

    static final List<Way> WAYS = List.of(
            way("mkdir -p my-routes", How.FIRST_ROUTE, "the first route's directory"),
            way("cat > my-routes/hello\\.camel\\.yaml <<'YAML'\\n.*", How.FIRST_ROUTE, "the first route"),
            way("make run ARGS=\"--routes my-routes/\"", How.FIRST_ROUTE, "the first route, run and edited"),
            way("make validate ROUTES=my-routes/", How.FIRST_ROUTE, "the first route, checked"),
            run("make run ARGS=\"--help\"", UnaryOperator.identity(), "Usage: make run"),
            run("make run ARGS=\"--metrics\"", withArgs("--duration 10"), "/observe/metrics (probes:"),
            // the recipe's jobs on the make run launcher; SqlRecipeIT kills, stops and pauses leaders under it
            run("make run ARGS=\"--recipe sql --kill-leader-every 20\"", withArgs("--duration 12"), "jobs: "),
            way(
                    "make run( ARGS=\"(--replicas 3 --duration 45 )?(--routes my-routes/ )?--kill-leader-every 20\")?",
                    How.TEST,
                    "LocalClusterIT runs the same launcher with --kill-leader-every (and the first route"
                            + " runs make run)",
                    "io.k8sensus.launcher.LocalClusterIT"),
            run("make validate", UnaryOperator.identity(), null),
            run("make manifests", UnaryOperator.identity(), null),
            way(
                    "make components( ROUTES=[^ ]+)?",
                    How.TEST,
                    "ComponentsIT runs its two steps (k8sensus components"
                            + " --pom, resolve-components.sh) on a quartz route and"
                            + " starts the jar beside what they resolved",
                    "io.k8sensus.routes.ComponentsIT"),
            run("make build", command -> "make -q build", null),
            // make format rewrites sources: here make only says what it would run; mvn verify checks the sources with
            // the
            // same formatter (spotless:check in the pom), and fails on any it would rewrite
            run("make format", command -> "make -n format", "spotless:apply"),
            run(
                    "make simulate( ARGS=\"--schedules \\d+( --write [^ \"]+)?\")?",
                    then(without("--schedules", "--write"), withArgs("--schedules 500")),
                    "violations: 0"),
            // a seed that once failed, replayed with its trace: it now ends as the documented limit
            run("make simulate ARGS=\"--seed \\d+\"", UnaryOperator.identity(), "no violation"),
            run(
                    "make simulate-balance( ARGS=\"--schedules \\d+\")?",
                    then(without("--schedules"), withArgs("--schedules 100")),
                    "0 violations"),
            way(
                    "make mutation",
                    How.TEST,
                    "a run takes about 8 min on one thread: MutationReportTest reads a PIT"
                            + " report as make mutation does",
                    "io.k8sensus.tools.MutationReportTest"),
            // the make target, the tool's class path and command line; the scenarios run in FaultInjectionIT, through
            // the same FaultInjectionSuite.run (a run of one here took 34 s more and checked nothing more)
            run(
                    "make chaos( ARGS=\"(--allow-skipped|--list)\")?",
                    command -> "make chaos ARGS=\"--list\"",
                    "not-ready-in-flight"),
            way(
                    "make chaos ARGS=\"--only [a-z0-9,-]+\"",
                    How.TEST,
                    "FaultInjectionIT runs every scenario, in three parts, through the same FaultInjectionSuite.run",
                    "io.k8sensus.chaos.FaultInjectionIT"),
            run("make bench( ARGS=\"[^\"]*\")?", SHORT_BENCH, "written to target/bench-docs"),
            way(
                    "make bench-publish",
                    How.TEST,
                    "its options (BENCH_PUBLISHED in the Makefile) are parsed in"
                            + " everyDocumentedCommandHasOneWay; a run takes 90 min",
                    "io.k8sensus.chaos.BenchmarkOptionsTest"),
            way(
                    "make wiring( ARGS=\"[^\"]*\")?",
                    How.TEST,
                    "each recipe's IT runs the same workload, shorter",
                    "io.k8sensus.wiring.SqlRecipeIT",
                    "io.k8sensus.wiring.JmsRecipeIT",
                    "io.k8sensus.wiring.FileRecipeIT"),
            way("mvn -B -ntp verify", How.CI, ".ci/run"),
            way(
                    "mvn -B -ntp verify -Pchaos",
                    How.TEST,
                    "the profile runs SplitBrainTest 30 times instead of 4, UnevenGroupsIT 3 rounds instead of 1",
                    "io.k8sensus.SplitBrainTest",
                    "io.k8sensus.chaos.UnevenGroupsIT"),
            way(
                    "java -D.* -jar target/k8sensus-stock-camel\\.jar",
                    How.TEST,
                    "the benchmark's stock-Camel contender and the old replicas of the mixed rolling update start the"
                            + " plain Camel application so, against an embedded API (Contender.stockCamel)",
                    "io.k8sensus.chaos.MixedRolloutIT",
                    "io.k8sensus.chaos.BenchmarkIT"),
            way(
                    "POD_NAME=my-pod POD_NAMESPACE=default java -jar target/k8sensus\\.jar",
                    How.TEST,
                    "the ITs run the packaged jar so, against an embedded API",
                    "io.k8sensus.MetricsIT"),
            way(
                    "make (image|image-check)( IMAGE=[^ ]+)?",
                    How.CHECKED,
                    "needs docker, podman or buildah and base" + " images (scripts/image-check.sh)"),
            way("docker push .*", How.CHECKED, "needs a registry"),
            way(
                    "\\(cd k8s && kustomize edit set image k8sensus=[^ )]+\\)",
                    How.CHECKED,
                    "needs kustomize; k8s/ names the image k8sensus"),
            way(
                    "make (apply|clean)",
                    How.CHECKED,
                    "needs a cluster; make manifests runs here, KustomizeTest renders" + " k8s/",
                    "io.k8sensus.deploy.KustomizeTest"),
            way("kubectl .*", How.CHECKED, "needs a cluster; the names it uses are those k8s/ deploys"));

    private final List<Process> started = Collections.synchronizedList(new ArrayList<>());
    /**
     * A scratch clone of each test's own: the README's first route and the make commands run two at a time (the class
     * is concurrent), and each writes only in its own clone.
     */
    private Path scratch;

    @BeforeEach
    void cloneForThisTest() throws IOException {
        scratch = scratchClone();
    }

    @AfterEach
    void stopAndClean() throws IOException {
        started.forEach(DocumentedCommandsIT::stopTree);
        try (Stream<Path> files = Files.walk(scratch)) {
            // symbolic links are deleted, not followed
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void everyDocumentedCommandHasOneWay() throws IOException {
        List<Command> commands = DocumentedCommands.all();
        assertThat(commands).as("commands found in README.md and docs/").hasSizeGreaterThan(20);
        List<String> problems = new ArrayList<>();
        for (Command command : commands) {
            long ways = WAYS.stream().filter(w -> w.matches(command.text())).count();
            if (ways != 1) {
                problems.add(command.file() + ": `" + command.text() + "` has " + ways + " ways (run it in "
                        + getClass().getSimpleName() + ", or name the test that does)");
            }
        }
        for (Way way : WAYS) {
            if (commands.stream().noneMatch(c -> way.matches(c.text()))) {
                problems.add("no documented command is " + way.command().pattern() + " any more: drop its way");
            }
        }
        for (Way way : WAYS) {
            for (String test : way.tests()) {
                try {
                    Class.forName(test);
                } catch (ClassNotFoundException e) {
                    problems.add(way.command().pattern() + " names " + test + ", which is not a test any more");
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(commandsToRun()).as("commands run here").hasSizeGreaterThan(6);
        String ci = Files.readString(Path.of(".ci", "run"));
        commands.stream()
                .filter(c -> wayOf(c).how() == How.CI)
                .forEach(c -> assertThat(ci).as(".ci/run runs " + c.text()).contains(c.text()));
        // every documented benchmark runs here in one shortest form: the options each names are read as the benchmark
        // reads them (a misspelt or dropped option fails here)
        Pattern benchArgs = Pattern.compile("^make bench ARGS=\"([^\"]*)\"");
        for (Command command : commands) {
            Matcher args = benchArgs.matcher(command.text());
            if (args.find()) {
                assertThatCode(() -> BenchmarkOptions.parse(args.group(1).trim().split(" +")))
                        .as(command.file() + ": " + command.text())
                        .doesNotThrowAnyException();
            }
        }
        // make bench-publish runs 90 min: its options are read as the benchmark reads them
        Matcher published = Pattern.compile("BENCH_PUBLISHED := (.*)").matcher(Files.readString(Path.of("Makefile")));
        assertThat(published.find()).as("make bench-publish's options").isTrue();
        assertThat(BenchmarkOptions.parse(published.group(1).trim().split(" +")).trials())
                .isPositive();
    }

    @Test
    void theReadmesFirstRouteFiresOnOneReplicaAndAnEditChangesIt() throws Exception {
        List<String> steps = DocumentedCommands.all().stream()
                .filter(c -> wayOf(c).how() == How.FIRST_ROUTE)
                .map(Command::text)
                .toList();
        String run =
                steps.stream().filter(s -> s.startsWith("make run")).findFirst().orElseThrow();
        for (String step : steps.subList(0, steps.indexOf(run))) {
            assertThat(exec(step, Duration.ofSeconds(30)).exit()).as(step).isZero();
        }
        Path route = scratch.resolve("my-routes").resolve("hello.camel.yaml");
        assertThat(route).exists();

        Live live = start(withArgs("--duration 120").apply(run));
        Pattern hello = Pattern.compile("\\[(replica-\\d+)] hello from (replica-\\d+), epoch (\\d+)");
        List<String> hellos = await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> live.matching(hello), lines -> lines.size() >= 2);
        Matcher first = hello.matcher(hellos.get(0));
        assertThat(first.find()).isTrue();
        String leader = first.group(1);
        assertThat(hellos)
                .as("only the leader says hello, and it names itself")
                .allMatch(l -> l.contains("[" + leader + "] hello from " + leader + ","));

        // the README's next step: edit the file while it runs
        Files.writeString(
                route,
                Files.readString(route)
                        .replace("period: \"2000\"", "period: \"500\"")
                        .replace("hello from", "hello again from"));
        List<String> again = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> live.matching(Pattern.compile("\\] hello again from ")), lines -> lines.size() >= 3);
        assertThat(again).as("the edit runs on the same leader").allMatch(l -> l.contains("[" + leader + "]"));
        assertThat(
                        live
                                .matching(
                                        Pattern.compile("event=routes-reloaded .*hello\\.camel\\.yaml change=changed"))
                                .stream()
                                .map(l -> l.replaceAll(".*?\\[(replica-\\d+)].*", "$1"))
                                .distinct())
                .as("every replica reloaded it")
                .hasSize(3);
        assertThat(live.matching(Pattern.compile("event=acquired group=heartbeat")))
                .as("no new election")
                .hasSize(1);
        stopTree(live.process());

        String validate = steps.stream()
                .filter(s -> s.startsWith("make validate"))
                .findFirst()
                .orElseThrow();
        Result checked = exec(validate, Duration.ofSeconds(60));
        assertThat(checked.exit()).as(validate + ":\n" + checked.output()).isZero();
        Files.writeString(route, Files.readString(route).replace("master:heartbeat:", "master:nosuchgroup:"));
        Result refused = exec(validate, Duration.ofSeconds(60));
        assertThat(refused.exit())
                .as("a route of an unknown group is refused (make says 2 when validate says 1)")
                .isNotZero();
        assertThat(refused.output()).contains("hello.camel.yaml:", "unknown group 'nosuchgroup'");
    }

    /**
     * Each distinct command to run here, once, with the way that bounds it: a test of its own with a scratch clone of its
     * own, so that two run at a time (the class is concurrent) instead of one after another.
     */
    static Stream<Arguments> commandsToRun() throws IOException {
        Map<String, Way> runs = new LinkedHashMap<>();
        for (Command command : DocumentedCommands.all()) {
            Way way = wayOf(command);
            if (way.how() == How.RUN) {
                runs.putIfAbsent(way.bounded().apply(command.text()), way); // one run of each distinct command
            }
        }
        return runs.entrySet().stream().map(run -> Arguments.of(run.getKey(), run.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsToRun")
    void theMakeCommandRuns(String command, Way way) throws Exception {
        Result result = exec(command, Duration.ofMinutes(5));
        assertThat(result.exit()).as(command + " exits 0:\n" + result.output()).isZero();
        if (way.expect() != null) {
            assertThat(result.output()).as(command).contains(way.expect());
        }
        if (command.equals("make manifests")) {
            assertThat(differences(Path.of("k8s"), scratch.resolve("k8s")))
                    .as("k8s/ is what make manifests derives from its routes")
                    .isEmpty();
        }
    }

    @Test
    void whatNeedsAClusterNamesWhatK8sDeploys() throws Exception {
        ExternalTool.requireKubectl();
        List<HasMetadata> objects = Kustomize.render(Path.of("k8s"));
        String namespace =
                Kustomize.one(objects, Deployment.class).getMetadata().getNamespace();
        Map<String, String> podLabels = Kustomize.one(objects, Deployment.class)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels();
        List<String> leases = objects.stream()
                .filter(Role.class::isInstance)
                .map(Role.class::cast)
                .flatMap(r -> r.getRules().stream())
                .filter(rule -> rule.getResources().contains("leases"))
                .flatMap(rule -> rule.getResourceNames().stream())
                .toList();
        Pattern lease = Pattern.compile("\\bk8sensus-[a-z0-9-]+\\b");
        Pattern selector = Pattern.compile("-l ([^ ]+)");
        for (Command command : DocumentedCommands.all()) {
            String text = command.text();
            if (!text.startsWith("kubectl ")) {
                continue;
            }
            assertThat(text).as(command.file() + ": " + text).contains("-n " + namespace + " ");
            Matcher names = lease.matcher(text.replaceAll("-l [^ ]+", ""));
            while (names.find()) {
                assertThat(leases).as("the Lease named in " + text).contains(names.group());
            }
            Matcher labels = selector.matcher(text);
            if (labels.find()) {
                for (String label : labels.group(1).split(",")) {
                    String[] kv = label.split("=");
                    assertThat(podLabels)
                            .as("the Pods' labels, selected by " + text)
                            .containsEntry(kv[0], kv[1]);
                }
            }
        }
        assertThat(Files.readString(Path.of("k8s", "kustomization.yaml")))
                .as("kustomize edit set image k8sensus=...")
                .containsPattern("images:\\s*\\n\\s*- name: k8sensus\\n");
    }

    private static Way wayOf(Command command) {
        return WAYS.stream()
                .filter(w -> w.matches(command.text()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no way for " + command));
    }

    /** A directory laid out like a clone after `mvn package`: the build's output shared, k8s/ and docs/ copied. */
    private static Path scratchClone() throws IOException {
        Path dir = Files.createTempDirectory("k8sensus-docs");
        Path repo = Path.of("").toAbsolutePath();
        for (String shared : List.of("Makefile", "pom.xml", "src", "examples", "scripts")) {
            if (Files.exists(repo.resolve(shared))) {
                Files.createSymbolicLink(dir.resolve(shared), repo.resolve(shared));
            }
        }
        DirectoryCopy.copy(repo.resolve("k8s"), dir.resolve("k8s"));
        // target/ of its own, for what the commands write there (target/bench-docs...); the jar, its libraries, the
        // tools and the class-data archive are those mvn package built (a JVM maps the archive from this directory too:
        // the jars are at the same paths relative to it, and make finds the archive newer than the jar, as in a clone)
        Path target = Files.createDirectories(dir.resolve("target"));
        for (String built : List.of(
                "k8sensus.jar",
                "k8sensus.jsa",
                "k8sensus-stock-camel.jar",
                "k8sensus-client-go.jar",
                "lib",
                "classes",
                "tools-classes",
                "stock-camel",
                "classpath-tools.txt")) {
            Files.createSymbolicLink(
                    target.resolve(built), repo.resolve("target").resolve(built));
        }
        return dir;
    }

    record Result(int exit, String output) {}

    /** Runs a command to its end (stopped after {@code limit}, which fails), with its output. */
    private Result exec(String command, Duration limit) throws Exception {
        System.out.println("$ " + command);
        long started = System.nanoTime();
        Live live = start(command);
        boolean done = live.process().waitFor(limit.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
            stopTree(live.process());
        }
        live.reader().join(10_000);
        // the suite's time is a budget: each command's share shows in the test's report
        System.out.printf("$ %s took %.1f s%n", command, (System.nanoTime() - started) / 1e9);
        String output;
        synchronized (live.lines()) {
            output = String.join("\n", live.lines());
        }
        assertThat(done).as(command + " ends within " + limit + ":\n" + output).isTrue();
        return new Result(live.process().exitValue(), output);
    }

    /** A running command whose output is kept line by line (and printed, for the test's report). */
    record Live(Process process, List<String> lines, Thread reader) {

        List<String> matching(Pattern pattern) {
            synchronized (lines) {
                return lines.stream().filter(l -> pattern.matcher(l).find()).collect(Collectors.toList());
            }
        }
    }

    private Live start(String command) throws IOException {
        Process process = new ProcessBuilder("bash", "-c", command)
                .directory(scratch.toFile())
                .redirectErrorStream(true)
                .start();
        started.add(process);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    System.out.println(line);
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        return new Live(process, lines, reader);
    }

    /** SIGTERM to the command and everything it started (make does not pass it on), then waits for them. */
    private static void stopTree(Process process) {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        Collections.reverse(all);
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    /** Files that differ between two directory trees, by relative path. */
    private static List<String> differences(Path a, Path b) throws IOException {
        List<String> differ = new ArrayList<>();
        try (Stream<Path> files = Files.walk(a)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path other = b.resolve(a.relativize(file).toString());
                if (!Files.exists(other) || Files.mismatch(file, other) != -1) {
                    differ.add(a.relativize(file).toString());
                }
            }
        }
        return differ;
    }
}
