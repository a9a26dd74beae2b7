package io.k8sensus.camel;

import io.k8sensus.log.KeyValueLog;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.kube.ApiConnectivityLog;
import io.k8sensus.kube.KubernetesClients;
import io.k8sensus.kube.LeaseRelease;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterView;
import org.apache.camel.component.kubernetes.cluster.lock.KubernetesLockConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's Lease-based view of one group, plus the term's epoch. Camel increments the Lease's
 * {@code spec.leaseTransitions} on every acquisition with an optimistic update but does not expose it; this view reads
 * it from the Lease when the leader changes, before any listener (the {@code master:} consumer, the election log)
 * hears of the change.
 */
public class LeaseTermView extends KubernetesClusterView {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseTermView.class);

    private final ElectionSettings settings;
    private final KubernetesConfiguration configuration;
    private final LeaderTerms terms;
    private final ApiConnectivityLog connectivityLog;
    private final String namespace;
    private volatile KubernetesClient client;

    public LeaseTermView(CamelContext camelContext, KubernetesClusterService service, KubernetesConfiguration configuration,
                         KubernetesLockConfiguration lockConfiguration, ElectionSettings settings, LeaderTerms terms,
                         ApiConnectivityLog connectivityLog) {
        super(camelContext, service, configuration, lockConfiguration);
        this.settings = settings;
        this.configuration = configuration;
        this.terms = terms;
        this.connectivityLog = connectivityLog;
        this.namespace = lockConfiguration.getKubernetesResourcesNamespace();
    }

    @Override
    protected void doStart() throws Exception {
        // Camel's view closes its client on stop; a restarted view needs a fresh one.
        client = KubernetesClients.create(settings, connectivityLog);
        configuration.setKubernetesClient(client);
        super.doStart();
    }

    /**
     * Stops Camel's controller, then, if this replica still holds the Lease, releases it. The view stops when the
     * context stops, after its routes (and their in-flight exchanges) have stopped, or when no route uses the group
     * any more: never while a leader-only route of the group still runs.
     */
    @Override
    protected void doStop() throws Exception {
        super.doStop();
        if (settings.releaseOnShutdown()) {
            try (KubernetesClient releaseClient = KubernetesClients.create(settings, connectivityLog)) {
                LeaseRelease.release(releaseClient, namespace, settings.leaseName(getNamespace()), getNamespace(),
                        getLocalMember().getId());
            }
        }
    }

    @Override
    protected void fireLeadershipChangedEvent(CamelClusterMember leader) {
        LeaderTerm term = termOf(leader);
        terms.update(term);
        if (term.local()) {
            // Camel's controller ends leadership on its own timer and tells nobody its deadline: no window to check
            terms.open(term.group(), term.epoch(), Long.MAX_VALUE);
        } else {
            terms.close(term.group());
        }
        super.fireLeadershipChangedEvent(leader);
    }

    /** The term's epoch as written in the Lease, if the Lease still names that leader. */
    private LeaderTerm termOf(CamelClusterMember leader) {
        String group = getNamespace();
        if (leader == null) {
            return LeaderTerm.none(group);
        }
        long epoch = LeaderTerm.UNKNOWN_EPOCH;
        try {
            Lease lease = client.leases().inNamespace(namespace).withName(settings.leaseName(group)).get();
            if (lease != null && lease.getSpec() != null && leader.getId().equals(lease.getSpec().getHolderIdentity())) {
                Integer transitions = lease.getSpec().getLeaseTransitions();
                epoch = transitions == null ? 0 : transitions;
            } else {
                KeyValueLog.warn(LOG, "event=epoch-unknown group={} pod={} leader={} reason=\"Lease {} names another holder\"",
                        group, getLocalMember().getId(), leader.getId(), settings.leaseName(group));
            }
        } catch (RuntimeException e) {
            KeyValueLog.warn(LOG, "event=epoch-unknown group={} pod={} leader={} reason=\"{}\"", group, getLocalMember().getId(),
                    leader.getId(), e.getMessage());
        }
        return new LeaderTerm(group, leader.getId(), epoch, leader.isLocal());
    }
}
