package io.k8sensus.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.k8sensus.testing.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The alerts of {@code k8s/components/monitoring/prometheusrule.yaml}: the PrometheusRule's rule groups, written as the
 * plain rules file Prometheus loads, pass {@code promtool check rules} and the unit tests of {@code rules-test.yaml}
 * ({@code promtool test rules}), which give every alert series that fire it and series that do not. Skipped where
 * promtool is not installed (Debian's prometheus package), except in CI, where that fails.
 */
class PrometheusRulesTest {

    private static final Path WORK = Path.of("target", "monitoring");

    record Run(int exit, String output) {}

    static Run promtool(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ExternalTool.PROMTOOL.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS))
                .as(String.join(" ", command) + " ends")
                .isTrue();
        return new Run(process.exitValue(), output);
    }

    @Test
    void every_alert_fires_on_its_test_series_and_stays_quiet_on_the_others() throws Exception {
        ExternalTool.requirePromtool();
        Files.createDirectories(WORK);
        MonitoringFiles.writeRulesFile(WORK.resolve("rules.yaml"));
        Files.copy(MonitoringFiles.RULES_TEST, WORK.resolve("rules-test.yaml"), StandardCopyOption.REPLACE_EXISTING);

        Run check = promtool(WORK, "check", "rules", "rules.yaml");
        assertThat(check.exit()).as("promtool check rules:\n" + check.output()).isZero();
        assertThat(check.output())
                .contains("SUCCESS: " + MonitoringFiles.alerts().size() + " rules found");

        Run test = promtool(WORK, "test", "rules", "rules-test.yaml");
        assertThat(test.exit())
                .as("promtool test rules " + MonitoringFiles.RULES_TEST + ":\n" + test.output())
                .isZero();
        assertThat(test.output()).contains("SUCCESS");
    }

    @Test
    void every_alert_has_a_severity_a_summary_a_description_a_for_and_tests_that_fire_it_and_do_not() {
        List<JsonNode> alerts = MonitoringFiles.alerts();
        assertThat(alerts)
                .extracting(a -> a.path("alert").asText())
                .doesNotHaveDuplicates()
                .contains(
                        "K8sensusNoLeader",
                        "K8sensusNoReplicaReporting",
                        "K8sensusLeaderFlapping",
                        "K8sensusRenewalsLate",
                        "K8sensusRenewalsFailing",
                        "K8sensusApiErrors",
                        "K8sensusTwoLeaders",
                        "K8sensusElectionStuck",
                        "K8sensusReplicaBehind");
        // alert name -> [evaluations where it is expected to fire, evaluations where it is expected not to]
        Map<String, int[]> cases = new LinkedHashMap<>();
        for (JsonNode test : MonitoringFiles.read(MonitoringFiles.YAML, MonitoringFiles.RULES_TEST)
                .path("tests")) {
            for (JsonNode evaluation : test.path("alert_rule_test")) {
                int[] counts =
                        cases.computeIfAbsent(evaluation.path("alertname").asText(), a -> new int[2]);
                counts[evaluation.path("exp_alerts").isEmpty() ? 1 : 0]++;
            }
        }
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            assertThat(alert.path("labels").path("severity").asText())
                    .as(name + " severity")
                    .isIn(Set.of("critical", "warning"));
            assertThat(alert.path("annotations").path("summary").asText())
                    .as(name + " summary")
                    .isNotBlank();
            assertThat(alert.path("annotations").path("description").asText())
                    .as(name + " description")
                    .hasSizeGreaterThan(200);
            assertThat(alert.path("for").asText()).as(name + " for").matches("\\d+[smh]");
            assertThat(cases.get(name))
                    .as(name + ": tests that fire it and tests that do not")
                    .isNotNull()
                    .satisfies(
                            c -> assertThat(c[0]).as(name + " fires in a test").isPositive())
                    .satisfies(c ->
                            assertThat(c[1]).as(name + " stays quiet in a test").isPositive());
        }
        assertThat(cases.keySet())
                .as("tests of alerts that exist")
                .allMatch(name ->
                        alerts.stream().anyMatch(a -> a.path("alert").asText().equals(name)));
    }
}
