package io.k8sensus.election;

import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterView;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;
import org.apache.camel.component.kubernetes.cluster.lock.KubernetesLockConfiguration;

/**
 * Camel's Kubernetes cluster service with a Lease lock, configured from {@link ElectionSettings}, whose views also
 * track each term's epoch ({@link LeaseTermView}). Groups not listed in the settings are refused.
 */
public class LeaseClusterService extends KubernetesClusterService {

    private final ElectionSettings settings;
    private final LeaderTerms terms = new LeaderTerms();
    private final ApiConnectivityLog connectivityLog;
    private final String resolvedNamespace;

    public LeaseClusterService(ElectionSettings settings) {
        super(new KubernetesConfiguration());
        this.settings = settings;
        this.connectivityLog = new ApiConnectivityLog(settings.podName());
        this.resolvedNamespace = settings.namespace() != null
                ? settings.namespace() : defaultNamespace(settings);
        setId("k8sensus-lease");
        setLeaseResourceType(LeaseResourceType.Lease);
        setNamespace(resolvedNamespace);
        setKubernetesResourcesNamespace(resolvedNamespace);
        setKubernetesResourceName(settings.leasePrefix());
        setPodName(settings.podName());
        setClusterLabels(settings.candidateLabels());
        setLeaseDurationMillis(settings.leaseDurationMs());
        setRenewDeadlineMillis(settings.renewDeadlineMs());
        setRetryPeriodMillis(settings.retryPeriodMs());
        setJitterFactor(settings.jitter());
        setConnectionTimeout(KubernetesClients.attemptTimeoutMs(settings));
    }

    public ElectionSettings settings() {
        return settings;
    }

    public LeaderTerms terms() {
        return terms;
    }

    public String namespace() {
        return resolvedNamespace;
    }

    @Override
    protected KubernetesClusterView createView(String group) throws Exception {
        if (!settings.groups().contains(group)) {
            throw new InvalidSettingsException("Unknown election group '" + group + "': "
                                               + ElectionSettings.KEY_GROUPS + " lists " + settings.groups());
        }
        KubernetesLockConfiguration lockConfig = lockConfigWithGroupNameAndDefaults(group);
        KubernetesConfiguration config = setConfigDefaults(new KubernetesConfiguration(), lockConfig);
        return new LeaseTermView(getCamelContext(), this, config, lockConfig, settings, terms, connectivityLog);
    }

    private static String defaultNamespace(ElectionSettings settings) {
        String namespace = KubernetesClients.config(settings).getNamespace();
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }
}
