package io.k8sensus.camel;

import io.k8sensus.config.ElectionSettings;
import io.k8sensus.kube.ApiConnectivityLog;
import io.k8sensus.kube.KubernetesClients;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterView;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;
import org.apache.camel.component.kubernetes.cluster.lock.KubernetesLockConfiguration;

/**
 * Camel's own Kubernetes cluster service (Lease lock), configured from {@link ElectionSettings}, used only to build
 * the views of {@code k8sensus.election.algorithm=camel}: Camel's controller, plus the epoch ({@link LeaseTermView}).
 * It is never added to the context; {@link LeaseClusterService} owns the views' lifecycle.
 */
final class CamelLeaseControllers extends KubernetesClusterService {

    private final ElectionSettings settings;
    private final LeaderTerms terms;
    private final ApiConnectivityLog connectivityLog;

    CamelLeaseControllers(ElectionSettings settings, LeaderTerms terms, ApiConnectivityLog connectivityLog,
                          String namespace, CamelContext camelContext) {
        super(camelContext, new KubernetesConfiguration());
        this.settings = settings;
        this.terms = terms;
        this.connectivityLog = connectivityLog;
        setLeaseResourceType(LeaseResourceType.Lease);
        setNamespace(namespace);
        setKubernetesResourcesNamespace(namespace);
        setKubernetesResourceName(settings.leasePrefix());
        setPodName(settings.podName());
        setClusterLabels(settings.candidateLabels());
        setLeaseDurationMillis(settings.leaseDurationMs());
        setRenewDeadlineMillis(settings.renewDeadlineMs());
        setRetryPeriodMillis(settings.retryPeriodMs());
        setJitterFactor(settings.jitter());
        setConnectionTimeout(KubernetesClients.attemptTimeoutMs(settings));
        init();
    }

    KubernetesClusterView viewFor(String group) throws Exception {
        KubernetesLockConfiguration lockConfig = lockConfigWithGroupNameAndDefaults(group);
        KubernetesConfiguration config = setConfigDefaults(new KubernetesConfiguration(), lockConfig);
        return new LeaseTermView(getCamelContext(), this, config, lockConfig, settings, terms, connectivityLog);
    }
}
