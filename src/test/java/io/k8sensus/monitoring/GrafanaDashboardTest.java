package io.k8sensus.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.k8sensus.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard of {@code k8s/components/monitoring}: the panels the operator needs, each query on the
 * dashboard's Prometheus data source variable, and every query valid PromQL ({@code promtool check rules} on them as
 * recording rules, with Grafana's variables filled in). That they read only exported metrics is MetricsIT's check.
 */
class GrafanaDashboardTest {

    @Test
    void the_dashboard_has_its_panels_each_querying_the_chosen_prometheus() {
        JsonNode dashboard = MonitoringFiles.dashboard();
        assertThat(dashboard.path("uid").asText()).isEqualTo("k8sensus-election");
        List<String> titles = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            titles.add(panel.path("title").asText());
            ids.add(panel.path("id").asInt());
            assertThat(panel.path("gridPos").path("w").asInt())
                    .as(panel.path("title").asText())
                    .isPositive();
            assertThat(panel.path("targets"))
                    .as(panel.path("title").asText() + " targets")
                    .isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
                assertThat(target.path("expr").asText()).isNotBlank();
            }
        }
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(titles)
                .contains(
                        "Leader per group",
                        "Epoch per group",
                        "Leader changes (10 min)",
                        "Renewal latency",
                        "Groups led per pod");
        assertThat(dashboard.path("templating").path("list"))
                .extracting(v -> v.path("name").asText())
                .containsExactly("datasource", "namespace", "group");
        assertThat(MonitoringFiles.queries())
                .filteredOn(q -> q.where().contains("Renewal latency"))
                .allMatch(q -> q.expression().contains("k8sensus_election_renewal_seconds_bucket"));
    }

    @Test
    void every_query_of_the_dashboard_is_valid_promql() throws Exception {
        ExternalTool.requirePromtool();
        Map<String, Object> rules = new LinkedHashMap<>();
        List<Map<String, String>> records = new ArrayList<>();
        int n = 0;
        for (MonitoringFiles.Query query : MonitoringFiles.queries()) {
            if (query.where().startsWith("dashboard")) {
                records.add(Map.of("record", "dashboard:query_" + ++n, "expr", query.expression()));
            }
        }
        assertThat(records).hasSizeGreaterThan(8);
        rules.put("groups", List.of(Map.of("name", "dashboard", "rules", records)));
        Path dir = Files.createDirectories(Path.of("target", "monitoring"));
        MonitoringFiles.YAML.writeValue(dir.resolve("dashboard-queries.yaml").toFile(), rules);
        PrometheusRulesTest.Run check = PrometheusRulesTest.promtool(dir, "check", "rules", "dashboard-queries.yaml");
        assertThat(check.exit())
                .as("promtool check rules on the dashboard's queries:\n" + check.output())
                .isZero();
    }
}
