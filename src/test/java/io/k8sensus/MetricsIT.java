package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.monitoring.ExportedMetrics;
import io.k8sensus.monitoring.MonitoringReferences;
import io.k8sensus.testing.ExternalTool;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.FaultSwitch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The metrics of real replica processes of the jar, scraped from {@code /observe/metrics} on the management port as
 * Prometheus scrapes them, checked by Prometheus's own linter ({@code promtool check metrics}, Debian's
 * {@code prometheus} package, which .ci/run installs) and read as Prometheus reads the text format. The packaged
 * monitoring (k8s/components/monitoring: alert rules, Grafana dashboard) and the documents are checked against such a
 * scrape: they name only what a replica exports.
 */
class MetricsIT {

    private static final Path JAR = Path.of("target", "k8sensus.jar");
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final String LEASE = "k8sensus-heartbeat";

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<ReplicaProcess> replicas = new ArrayList<>();
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        replicas.forEach(r -> r.stop(5));
        api.close();
    }

    private ReplicaProcess start(String name) throws IOException {
        return start(name, api.url());
    }

    /** A replica of the jar talking to the embedded API at {@code apiUrl}, its management port on a free port. */
    private ReplicaProcess start(String name, String apiUrl) throws IOException {
        int port = EmbeddedKubernetesApi.freePort();
        ports.put(name, port);
        api.addReadyPod(name);
        ReplicaProcess replica = ReplicaProcess.start(
                name,
                JAR,
                List.of(),
                3000,
                2000,
                500,
                apiUrl,
                EmbeddedKubernetesApi.NAMESPACE,
                List.of(
                        "-Dk8sensus.kubernetes.call-timeout-ms=1600",
                        "-Dk8sensus.heartbeat.period-ms=500",
                        "-Dcamel.management.enabled=true",
                        "-Dcamel.management.port=" + port),
                Map.of(),
                (r, line) -> output.add(r + " " + line));
        replicas.add(replica);
        return replica;
    }

    private String scrape(String name) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ports.get(name) + "/observe/metrics"))
                .timeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** Every sample of the text format: series (name and labels, as written) to value. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    /** The one sample whose series has this name and contains these labels. */
    private static double value(Map<String, Double> samples, String name, String... labels) {
        List<Double> found = samples.entrySet().stream()
                .filter(e -> e.getKey().startsWith(name + "{")
                        && Arrays.stream(labels).allMatch(e.getKey()::contains))
                .map(Map.Entry::getValue)
                .toList();
        assertThat(found).as(name + " " + String.join(",", labels)).hasSize(1);
        return found.get(0);
    }

    /**
     * Prometheus's linter on a scrape: the text must parse, and the election's metrics must pass every rule. Camel's
     * own metrics break two of its naming rules (camelCase labels such as {@code routeId}, some without help text):
     * they are Camel's names, which Camel's dashboards use, and are left as they are.
     */
    private static void lint(String text) throws Exception {
        ExternalTool.requirePromtool(); // skipped with its reason where promtool is missing; fails in CI
        Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        promtool.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        List<String> said = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(said).as("promtool check metrics: the text parses").noneMatch(l -> l.contains("error"));
        assertThat(said)
                .as("promtool check metrics on the election's metrics")
                .noneMatch(l -> l.startsWith("k8sensus_") || l.startsWith("leader_election_"));
        assertThat(said)
                .as("what promtool finds is Camel's naming only")
                .allMatch(l -> l.startsWith("camel_") || l.startsWith("app_info"));
    }

    @Test
    void the_leader_and_a_follower_say_who_leads_in_prometheus_format_and_a_handover_shows() throws Exception {
        start("replica-a");
        await().atMost(Duration.ofSeconds(60)).until(() -> "replica-a".equals(api.holder(LEASE)));
        start("replica-b");
        // the leader has renewed, the follower has started (its port answers) and follows the leader's term
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    Map<String, Double> a = samples(scrape("replica-a"));
                    Map<String, Double> b = samples(scrape("replica-b"));
                    return a.keySet().stream().anyMatch(k -> k.startsWith("k8sensus_election_renewal_seconds_count{"))
                            && value(b, "k8sensus_election_epoch", "group=\"heartbeat\"") >= 0;
                });
        String leaderText = scrape("replica-a");
        String followerText = scrape("replica-b");
        lint(leaderText);
        lint(followerText);

        Map<String, Double> leader = samples(leaderText);
        Map<String, Double> follower = samples(followerText);
        long epoch = api.lease(LEASE).getSpec().getLeaseTransitions() == null
                ? 0
                : api.lease(LEASE).getSpec().getLeaseTransitions();
        assertThat(value(leader, "leader_election_master_status", "name=\"" + LEASE + "\""))
                .isEqualTo(1.0);
        assertThat(value(follower, "leader_election_master_status", "name=\"" + LEASE + "\""))
                .isEqualTo(0.0);
        assertThat(value(leader, "k8sensus_election_leader", "group=\"heartbeat\""))
                .isEqualTo(1.0);
        assertThat(value(follower, "k8sensus_election_leader", "group=\"heartbeat\""))
                .isEqualTo(0.0);
        assertThat(value(leader, "k8sensus_election_epoch", "group=\"heartbeat\""))
                .isEqualTo(epoch);
        assertThat(value(follower, "k8sensus_election_epoch", "group=\"heartbeat\""))
                .isEqualTo(epoch);
        assertThat(value(leader, "k8sensus_election_renewal_seconds_count", "group=\"heartbeat\"", "outcome=\"ok\""))
                .isPositive();
        assertThat(value(leader, "k8sensus_election_seconds_since_renewal", "group=\"heartbeat\""))
                .isBetween(0.0, 2.0);
        assertThat(value(follower, "k8sensus_election_seconds_since_renewal", "group=\"heartbeat\""))
                .isNaN();
        // and Camel's own route metrics, beside them
        assertThat(leader.keySet())
                .anyMatch(k -> k.startsWith("camel_exchanges_total{") && k.contains("routeId=\"leader-heartbeat\""));
        double changesBefore = value(follower, "k8sensus_election_leader_changes_total", "group=\"heartbeat\"");

        new ProcessBuilder("kill", "-TERM", String.valueOf(replicas.get(0).pid()))
                .start()
                .waitFor();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() ->
                        value(samples(scrape("replica-b")), "leader_election_master_status", "name=\"" + LEASE + "\"")
                                == 1.0);
        Map<String, Double> after = samples(scrape("replica-b"));
        assertThat(value(after, "k8sensus_election_epoch", "group=\"heartbeat\""))
                .isEqualTo(epoch + 1);
        assertThat(value(after, "k8sensus_election_leader_changes_total", "group=\"heartbeat\""))
                .isGreaterThan(changesBefore);
    }

    @Test
    void the_packaged_alerts_the_dashboard_and_the_docs_name_only_what_a_replica_exports() throws Exception {
        // through a connection of its own, so that the API can refuse its requests: the API error counter and a
        // failed renewal's outcome exist only once a request has failed
        EmbeddedKubernetesApi.FaultyConnection connection = api.faultyConnection();
        start("replica-a", connection.url());
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> samples(scrape("replica-a")).keySet().stream()
                        .anyMatch(k -> k.startsWith("k8sensus_election_renewal_seconds_count{")));
        connection.faults().set(FaultSwitch.Mode.FAIL_500);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> samples(scrape("replica-a")).keySet().stream()
                        .anyMatch(k -> k.startsWith("k8sensus_election_api_errors_total{")));
        connection.faults().set(FaultSwitch.Mode.NORMAL);
        String text = scrape("replica-a");
        lint(text);

        ExportedMetrics exported = ExportedMetrics.parse(text);
        assertThat(exported.samples())
                .as("what the scrape has of the election")
                .containsKeys(
                        "k8sensus_election_leader",
                        "k8sensus_election_epoch",
                        "k8sensus_election_leader_changes_total",
                        "k8sensus_election_seconds_since_renewal",
                        "k8sensus_election_renewal_seconds_bucket",
                        "k8sensus_election_api_errors_total");
        assertThat(exported.samples().get("k8sensus_election_api_errors_total")).contains("group", "request", "reason");
        assertThat(MonitoringReferences.problems(exported))
                .as("metrics and labels that the alerts, the dashboard, README.md or docs/ name and a replica does not"
                        + " export")
                .isEmpty();
    }
}
