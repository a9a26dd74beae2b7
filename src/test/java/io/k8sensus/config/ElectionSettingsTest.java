package io.k8sensus.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k8sensus.elector.Timings;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
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
                new Timings(lease, renew, retry, jitter),
                null,
                callTimeout,
                true,
                true,
                false,
                null,
                false);
    }

    /** The shipped timings, with the candidate labels, lease prefix and groups under test. */
    private static ElectionSettings named(Map<String, String> labels, String prefix, Set<String> groups) {
        return new ElectionSettings(
                "pod-1",
                "ns",
                labels,
                prefix,
                groups,
                new Timings(15000, 10000, 2000, 1.2),
                null,
                5000,
                true,
                true,
                false,
                null,
                false);
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
        assertThatThrownBy(() -> named(Map.of(), "k8sensus", Set.of("g")).validate())
                .hasMessageContaining("k8sensus.election.candidate-labels must name at least one label");
        assertThatThrownBy(() -> ElectionSettings.parseLabels("app=k8sensus,tier"))
                .hasMessage(
                        "Invalid election settings: k8sensus.election.candidate-labels entry 'tier' is not key=value");
    }

    @Test
    void groups_must_be_listed_and_valid_lease_name_parts() {
        assertThatThrownBy(() -> named(Map.of("a", "b"), "k8sensus", Set.of()).validate())
                .hasMessageContaining("k8sensus.election.groups must list at least one group");
        assertThatThrownBy(() ->
                        named(Map.of("a", "b"), "k8sensus", Set.of("Bad_Group")).validate())
                .hasMessageContaining("k8sensus.election.groups: group 'Bad_Group' must be lower-case letters");
        assertThatThrownBy(() -> named(Map.of("a", "b"), "K8s", Set.of("g")).validate())
                .hasMessageContaining("k8sensus.election.lease-prefix must be lower-case letters");
    }

    @Test
    void parses_groups_and_labels_lists() {
        assertThat(ElectionSettings.parseGroups(" a, b ,,")).containsExactly("a", "b");
        assertThat(ElectionSettings.parseLabels("app=k8sensus, tier = jobs"))
                .containsExactly(Map.entry("app", "k8sensus"), Map.entry("tier", "jobs"));
    }

    /** The shipped keys, as application.properties sets them, with the replica's name and namespace filled in. */
    private static final Map<String, String> SHIPPED = Map.ofEntries(
            Map.entry("k8sensus.kubernetes.master-url", ""),
            Map.entry("k8sensus.kubernetes.namespace", "team-a"),
            Map.entry("k8sensus.kubernetes.call-timeout-ms", "8000"),
            Map.entry("k8sensus.election.pod-name", ""),
            Map.entry("k8sensus.election.candidate-labels", "app.kubernetes.io/name=k8sensus"),
            Map.entry("k8sensus.election.lease-prefix", "k8sensus"),
            Map.entry("k8sensus.election.groups", "heartbeat,jobs"),
            Map.entry("k8sensus.election.lease-duration-ms", "15000"),
            Map.entry("k8sensus.election.renew-deadline-ms", "10000"),
            Map.entry("k8sensus.election.retry-period-ms", "2000"),
            Map.entry("k8sensus.election.jitter", "1.2"),
            Map.entry("k8sensus.election.release-on-shutdown", "true"),
            Map.entry("k8sensus.election.balance", "true"),
            Map.entry("k8sensus.election.label-leader", "false"),
            Map.entry("k8sensus.routes.dir", ""),
            Map.entry("k8sensus.routes.reload", "false"));

    private static ElectionSettings read(Map<String, String> overrides, Map<String, String> camelKeys) {
        Map<String, String> properties = new HashMap<>(SHIPPED);
        properties.putAll(overrides);
        return ElectionSettings.read(
                key -> Optional.ofNullable(properties.get(key)), CamelClusterKeys.read(camelKeys), () -> "host-1");
    }

    @Test
    void every_key_is_read_into_one_object_with_the_timings_built_once() {
        ElectionSettings settings = read(
                Map.of(
                        "k8sensus.election.balance", "false",
                        "k8sensus.election.label-leader", "TRUE",
                        "k8sensus.routes.dir", " /routes ",
                        "k8sensus.routes.reload", "true"),
                Map.of());
        assertThat(settings.podName()).as("the host name when none is set").isEqualTo("host-1");
        assertThat(settings.namespace()).isEqualTo("team-a");
        assertThat(settings.masterUrl()).isNull();
        assertThat(settings.candidateLabels()).containsExactly(Map.entry("app.kubernetes.io/name", "k8sensus"));
        assertThat(settings.groups()).containsExactly("heartbeat", "jobs");
        assertThat(settings.timings()).isEqualTo(new Timings(15000, 10000, 2000, 1.2));
        assertThat(settings.timings()).isSameAs(settings.timings());
        assertThat(settings.callTimeoutMs()).isEqualTo(8000);
        assertThat(settings.releaseOnShutdown()).isTrue();
        assertThat(settings.balance()).isFalse();
        assertThat(settings.labelLeader()).isTrue();
        assertThat(settings.routesDir()).isEqualTo("/routes");
        assertThat(settings.reloadRoutes()).isTrue();
    }

    @Test
    void a_camel_cluster_key_that_means_the_same_wins_and_is_named_in_errors() {
        ElectionSettings settings = read(
                Map.of("k8sensus.election.pod-name", "pod-1"),
                Map.of(
                        "camel.cluster.kubernetes.lease-duration-millis", "20000",
                        "quarkus.camel.cluster.kubernetes.rebalancing", "false"));
        assertThat(settings.podName()).isEqualTo("pod-1");
        assertThat(settings.leaseDurationMs()).isEqualTo(20000);
        assertThat(settings.balance()).isFalse();
        assertThatThrownBy(() -> read(Map.of(), Map.of("camel.cluster.kubernetes.retry-period-millis", "2s")))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessage("Invalid election settings: camel.cluster.kubernetes.retry-period-millis must be a whole"
                        + " number of milliseconds (found '2s')");
    }

    @Test
    void a_value_that_does_not_parse_is_named_with_its_key() {
        assertThatThrownBy(() -> read(Map.of("k8sensus.election.lease-duration-ms", "15s"), Map.of()))
                .hasMessage("Invalid election settings: k8sensus.election.lease-duration-ms must be a whole number of"
                        + " milliseconds (found '15s')");
        assertThatThrownBy(() -> read(Map.of("k8sensus.election.jitter", "some"), Map.of()))
                .hasMessage("Invalid election settings: k8sensus.election.jitter must be a number (found 'some')");
        assertThatThrownBy(() -> read(Map.of("k8sensus.election.balance", "yes"), Map.of()))
                .hasMessage("Invalid election settings: k8sensus.election.balance must be true or false (found 'yes')");
    }
}
