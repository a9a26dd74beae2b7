package io.k8sensus.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One test per rule: the message names the key and says what is wrong. */
class ElectionSettingsTest {

    private static ElectionSettings settings(long lease, long renew, long retry, double jitter, long callTimeout) {
        return new ElectionSettings(
                "pod-1",
                "ns",
                Map.of("app", "k8sensus"),
                "k8sensus",
                Set.of("heartbeat"),
                lease,
                renew,
                retry,
                jitter,
                null,
                callTimeout,
                true);
    }

    @Test
    void the_shipped_defaults_are_valid() {
        assertThat(settings(15000, 10000, 2000, 1.2, 8000).validate().leaseName("heartbeat"))
                .isEqualTo("k8sensus-heartbeat");
    }

    @Test
    void renew_deadline_must_be_below_lease_duration() {
        assertThatThrownBy(() -> settings(10000, 10000, 2000, 1.2, 5000).validate())
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("k8sensus.election.renew-deadline-ms (10000) must be below"
                        + " k8sensus.election.lease-duration-ms (10000)");
    }

    @Test
    void retry_period_times_jitter_must_be_below_renew_deadline() {
        assertThatThrownBy(() -> settings(15000, 10000, 9000, 1.2, 5000).validate())
                .hasMessageContaining(
                        "k8sensus.election.retry-period-ms x k8sensus.election.jitter (9000 x 1.2 = 10800)"
                                + " must be below k8sensus.election.renew-deadline-ms (10000)");
    }

    @Test
    void durations_must_be_positive() {
        assertThatThrownBy(() -> settings(0, -1, 0, 1.2, 0).validate())
                .hasMessageContaining("k8sensus.election.lease-duration-ms must be positive (found 0)")
                .hasMessageContaining("k8sensus.election.renew-deadline-ms must be positive (found -1)")
                .hasMessageContaining("k8sensus.election.retry-period-ms must be positive (found 0)")
                .hasMessageContaining("k8sensus.kubernetes.call-timeout-ms must be positive (found 0)");
    }

    @Test
    void jitter_must_be_at_least_one() {
        assertThatThrownBy(() -> settings(15000, 10000, 2000, 0.5, 5000).validate())
                .hasMessageContaining("k8sensus.election.jitter must be at least 1.0 (found 0.5)");
    }

    @Test
    void call_timeout_must_be_below_renew_deadline() {
        assertThatThrownBy(() -> settings(15000, 10000, 2000, 1.2, 10000).validate())
                .hasMessageContaining("k8sensus.kubernetes.call-timeout-ms (10000) must be below"
                        + " k8sensus.election.renew-deadline-ms (10000)");
    }

    @Test
    void candidate_labels_must_not_be_empty_or_malformed() {
        assertThatThrownBy(() -> new ElectionSettings(
                                "pod-1",
                                "ns",
                                Map.of(),
                                "k8sensus",
                                Set.of("g"),
                                15000,
                                10000,
                                2000,
                                1.2,
                                null,
                                5000,
                                true)
                        .validate())
                .hasMessageContaining("k8sensus.election.candidate-labels must name at least one label");
        assertThatThrownBy(() -> ElectionSettings.parseLabels("app=k8sensus,tier"))
                .hasMessage(
                        "Invalid election settings: k8sensus.election.candidate-labels entry 'tier' is not key=value");
    }

    @Test
    void groups_must_be_listed_and_valid_lease_name_parts() {
        assertThatThrownBy(() -> new ElectionSettings(
                                "pod-1",
                                "ns",
                                Map.of("a", "b"),
                                "k8sensus",
                                Set.of(),
                                15000,
                                10000,
                                2000,
                                1.2,
                                null,
                                5000,
                                true)
                        .validate())
                .hasMessageContaining("k8sensus.election.groups must list at least one group");
        assertThatThrownBy(() -> new ElectionSettings(
                                "pod-1",
                                "ns",
                                Map.of("a", "b"),
                                "k8sensus",
                                Set.of("Bad_Group"),
                                15000,
                                10000,
                                2000,
                                1.2,
                                null,
                                5000,
                                true)
                        .validate())
                .hasMessageContaining("k8sensus.election.groups: group 'Bad_Group' must be lower-case letters");
        assertThatThrownBy(() -> new ElectionSettings(
                                "pod-1",
                                "ns",
                                Map.of("a", "b"),
                                "K8s",
                                Set.of("g"),
                                15000,
                                10000,
                                2000,
                                1.2,
                                null,
                                5000,
                                true)
                        .validate())
                .hasMessageContaining("k8sensus.election.lease-prefix must be lower-case letters");
    }

    @Test
    void parses_groups_and_labels_lists() {
        assertThat(ElectionSettings.parseGroups(" a, b ,,")).containsExactly("a", "b");
        assertThat(ElectionSettings.parseLabels("app=k8sensus, tier = jobs"))
                .containsExactly(Map.entry("app", "k8sensus"), Map.entry("tier", "jobs"));
    }
}
