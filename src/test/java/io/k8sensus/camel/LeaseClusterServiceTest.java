package io.k8sensus.camel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.elector.Timings;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterView;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * k8sensus's cluster service is Camel's Kubernetes cluster service: its settings read back through Camel's getters,
 * and each group's view is k8sensus's elector as a Camel Kubernetes view. Nothing here starts a view, so nothing calls
 * the API server.
 */
class LeaseClusterServiceTest {

    private final ElectionSettings settings = new ElectionSettings(
                    "pod-a",
                    "team-a",
                    Map.of("app", "orders"),
                    "orders",
                    new LinkedHashSet<>(List.of("heartbeat", "jobs")),
                    new Timings(6000, 4000, 1000, 1.5),
                    "https://api.example:6443",
                    3000,
                    true,
                    true,
                    false,
                    null,
                    false)
            .validate();

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final LeaseClusterService service = new LeaseClusterService(settings);

    @AfterEach
    void close() {
        context.stop();
    }

    @Test
    void camels_getters_report_the_k8sensus_settings() {
        KubernetesClusterService camel = service;
        assertThat(camel.getId()).isEqualTo("k8sensus-lease");
        assertThat(camel.getMasterUrl()).isEqualTo("https://api.example:6443");
        assertThat(camel.getNamespace()).isEqualTo("team-a");
        assertThat(camel.getKubernetesResourcesNamespace()).isEqualTo("team-a");
        assertThat(camel.getConnectionTimeout()).isEqualTo(3000);
        assertThat(camel.getLeaseResourceType()).isEqualTo(LeaseResourceType.Lease);
        assertThat(camel.getKubernetesResourceName()).isEqualTo("orders");
        assertThat(camel.getPodName()).isEqualTo("pod-a");
        assertThat(camel.getClusterLabels()).isEqualTo(Map.of("app", "orders"));
        assertThat(camel.getLeaseDurationMillis()).isEqualTo(6000);
        assertThat(camel.getRenewDeadlineMillis()).isEqualTo(4000);
        assertThat(camel.getRetryPeriodMillis()).isEqualTo(1000);
        assertThat(camel.getJitterFactor()).isEqualTo(1.5);
    }

    @Test
    void each_group_is_a_camel_kubernetes_view_run_by_k8sensus_elector() throws Exception {
        service.setCamelContext(context);
        KubernetesClusterView view = service.getView("jobs");
        assertThat(view).isInstanceOf(LeaseElectionView.class);
        assertThat(view.getNamespace()).isEqualTo("jobs");
        assertThat(view.getLocalMember().getId()).isEqualTo("pod-a");
        assertThat(view.getLocalMember().isLocal()).isTrue();
        assertThat(view.getLeader()).isEmpty();
        assertThat(service.electionView("jobs")).isSameAs(view);
        assertThat(service.getView("jobs")).as("one view per group").isSameAs(view);
    }

    @Test
    void a_group_that_is_not_configured_is_refused() {
        service.setCamelContext(context);
        assertThatThrownBy(() -> service.getView("reports"))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessage("Unknown election group 'reports': k8sensus.election.groups lists [heartbeat, jobs]");
    }

    @Test
    void a_view_is_never_disabled_by_hand() throws Exception {
        service.setCamelContext(context);
        KubernetesClusterView view = service.getView("heartbeat");
        view.setDisabled(false);
        assertThatThrownBy(() -> view.setDisabled(true))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("k8sensus.election.balance");
        assertThat(view.isDisabled()).isFalse();
    }

    @Test
    void a_value_set_on_camels_service_after_it_was_made_is_refused_when_it_starts() {
        service.setCamelContext(context);
        service.setLeaseDurationMillis(20_000);
        service.setKubernetesResourceName("leaders");
        assertThatThrownBy(service::init)
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessage("Invalid election settings: the cluster service's kubernetesResourceName was set to"
                        + " leaders after it was made from k8sensus.election.lease-prefix (orders): set"
                        + " k8sensus.election.lease-prefix instead; the cluster service's leaseDurationMillis was set"
                        + " to 20000 after it was made from k8sensus.election.lease-duration-ms (6000): set"
                        + " k8sensus.election.lease-duration-ms instead");
    }
}
