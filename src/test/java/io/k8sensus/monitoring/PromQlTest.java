package io.k8sensus.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void metrics_are_the_identifiers_that_are_neither_calls_nor_keywords_nor_inside_strings_or_ranges() {
        PromQl.Names names = PromQl.names("histogram_quantile(0.99, sum by (group, le) (rate(k8sensus_election_renewal_"
                + "seconds_bucket{namespace=\"x\", outcome=\"ok\"}[1m])))");
        assertThat(names.metrics())
                .isEqualTo(Map.of("k8sensus_election_renewal_seconds_bucket", Set.of("namespace", "outcome")));
        assertThat(names.groupingLabels()).containsExactly("group", "le");
    }

    @Test
    void binary_operations_offsets_and_label_values_in_strings_are_read_as_prometheus_reads_them() {
        PromQl.Names names = PromQl.names("max by (namespace, group) (k8sensus_election_epoch) - on (namespace, group)"
                + " group_right max by (namespace, group, pod) (foo_total offset 10m >= 0) > 6"
                + " and bar unless absent(baz{job=\"sum by (x) (not_a_metric)\"})");
        assertThat(names.metrics().keySet())
                .containsExactlyInAnyOrder("k8sensus_election_epoch", "bar", "baz", "foo_total");
        assertThat(names.metrics().get("baz")).containsExactly("job");
        assertThat(names.groupingLabels()).containsExactly("namespace", "group", "pod");
    }

    @Test
    void a_selector_without_a_metric_name_is_refused() {
        assertThatThrownBy(() -> PromQl.names("count({__name__=~\"k8sensus_.*\"})"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
