package io.k8sensus.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The check that MetricsIT runs on a real replica's scrape, here on scrapes written by hand, so that it can fail. */
class MonitoringReferencesTest {

    private static final ExportedMetrics SCRAPE = ExportedMetrics.parse("""
            # HELP k8sensus_election_leader 1 while this replica leads the group
            # TYPE k8sensus_election_leader gauge
            k8sensus_election_leader{group="heartbeat",lease="k8sensus-heartbeat"} 1.0
            # TYPE k8sensus_election_renewal_seconds histogram
            k8sensus_election_renewal_seconds_bucket{group="heartbeat",outcome="ok",le="0.005"} 3
            k8sensus_election_renewal_seconds_count{group="heartbeat",outcome="ok"} 3
            camel_exchanges_total{routeId="a \\"quoted\\" id, with {braces}"} 7 1700000000000
            """);

    private static List<String> problems(String expression, Set<String> moreLabels, String document) {
        return MonitoringReferences.problems(
                SCRAPE,
                List.of(new MonitoringFiles.Query("q", expression, moreLabels)),
                Map.of(Path.of("doc.md"), document),
                List.of());
    }

    @Test
    void the_text_format_is_read_into_sample_names_labels_and_families() {
        assertThat(SCRAPE.samples())
                .containsEntry("k8sensus_election_leader", Set.of("group", "lease"))
                .containsEntry("camel_exchanges_total", Set.of("routeId"))
                .containsEntry("k8sensus_election_renewal_seconds_bucket", Set.of("group", "outcome", "le"));
        assertThat(SCRAPE.families()).contains("k8sensus_election_renewal_seconds");
        assertThat(SCRAPE.names("k8sensus_election_renewal_seconds")).isTrue();
        assertThat(SCRAPE.samples()).doesNotContainKey("k8sensus_election_renewal_seconds");
    }

    @Test
    void exported_metrics_with_their_labels_and_the_scrapes_target_labels_pass() {
        assertThat(problems(
                        "sum by (pod, group, le) (rate(k8sensus_election_renewal_seconds_bucket{namespace=\"x\","
                                + " outcome=\"ok\"}[1m]))",
                        Set.of("group"),
                        "see `k8sensus_election_leader` and" + " k8sensus_election_renewal_seconds"))
                .isEmpty();
    }

    @Test
    void a_metric_the_scrape_lacks_a_family_queried_as_a_sample_and_a_label_it_lacks_are_problems() {
        assertThat(problems("k8sensus_election_stuck == 1", Set.of(), ""))
                .singleElement()
                .asString()
                .contains("reads k8sensus_election_stuck");
        assertThat(problems("rate(k8sensus_election_renewal_seconds[1m])", Set.of(), ""))
                .singleElement()
                .asString()
                .contains("it is a family");
        assertThat(problems("k8sensus_election_leader{outcome=\"ok\"}", Set.of(), ""))
                .singleElement()
                .asString()
                .contains("on label outcome");
        assertThat(problems("max by (reason) (k8sensus_election_leader)", Set.of(), ""))
                .singleElement()
                .asString()
                .contains("uses label reason");
        assertThat(problems("k8sensus_election_leader", Set.of("outcome"), ""))
                .singleElement()
                .asString()
                .contains("uses label outcome");
    }

    @Test
    void a_document_that_names_a_metric_the_scrape_lacks_is_a_problem() {
        assertThat(problems(
                        "k8sensus_election_leader",
                        Set.of(),
                        "`k8sensus_election_leaders` and" + " leader_election_master_status"))
                .containsExactlyInAnyOrder(
                        "doc.md names k8sensus_election_leaders, which the application does not export",
                        "doc.md names leader_election_master_status, which the application does not export");
    }
}
