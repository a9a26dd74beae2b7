package io.k8sensus.election;

import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.support.cluster.AbstractCamelClusterService;

/**
 * The Camel cluster service of k8sensus: one Lease per group, named {@code <lease-prefix>-<group>}, configured from
 * {@link ElectionSettings}. Each group's view is k8sensus's renewal-aware elector ({@link LeaseElectionView}), or,
 * with {@code k8sensus.election.algorithm=camel}, Camel's own Kubernetes controller ({@link CamelLeaseControllers}).
 * Groups not listed in the settings are refused.
 */
public class LeaseClusterService extends AbstractCamelClusterService<CamelClusterView> {

    private final ElectionSettings settings;
    private final LeaderTerms terms = new LeaderTerms();
    private final ApiConnectivityLog connectivityLog;
    private final String resolvedNamespace;
    private CamelLeaseControllers camelControllers;

    public LeaseClusterService(ElectionSettings settings) {
        this.settings = settings;
        this.connectivityLog = new ApiConnectivityLog(settings.podName());
        this.resolvedNamespace = settings.namespace() != null ? settings.namespace() : defaultNamespace(settings);
        setId("k8sensus-lease");
    }

    public ElectionSettings settings() {
        return settings;
    }

    public LeaderTerms terms() {
        return terms;
    }

    @Override
    protected CamelClusterView createView(String group) throws Exception {
        if (!settings.groups().contains(group)) {
            throw new InvalidSettingsException("Unknown election group '" + group + "': "
                                               + ElectionSettings.KEY_GROUPS + " lists " + settings.groups());
        }
        if (ElectionSettings.ALGORITHM_K8SENSUS.equals(settings.algorithm())) {
            return new LeaseElectionView(this, group, settings, terms, connectivityLog, resolvedNamespace);
        }
        synchronized (this) {
            if (camelControllers == null) {
                camelControllers = new CamelLeaseControllers(settings, terms, connectivityLog, resolvedNamespace,
                        getCamelContext());
            }
        }
        return camelControllers.viewFor(group);
    }

    private static String defaultNamespace(ElectionSettings settings) {
        String namespace = KubernetesClients.config(settings).getNamespace();
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }
}
