package io.k8sensus;

import io.k8sensus.camel.LeaseClusterService;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import java.net.InetAddress;
import java.net.UnknownHostException;

import io.k8sensus.fencing.EpochFence;
import io.k8sensus.camel.ElectionHealthCheck;
import io.k8sensus.camel.ElectionLogPolicy;
import io.k8sensus.camel.LeaderOnlyComponent;
import io.k8sensus.metrics.ElectionMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

/**
 * Builds the election's objects from {@code application.properties}: the Lease cluster service, the {@code master}
 * component that uses it, and the {@code electionLog} route policy. Properties give the values, this class the wiring.
 */
public class ElectionConfiguration implements CamelConfiguration {

    @PropertyInject(ElectionSettings.KEY_POD_NAME)
    private String podName;
    @PropertyInject(ElectionSettings.KEY_NAMESPACE)
    private String namespace;
    @PropertyInject(ElectionSettings.KEY_LABELS)
    private String candidateLabels;
    @PropertyInject(ElectionSettings.KEY_LEASE_PREFIX)
    private String leasePrefix;
    @PropertyInject(ElectionSettings.KEY_GROUPS)
    private String groups;
    @PropertyInject(ElectionSettings.KEY_LEASE_DURATION)
    private long leaseDurationMs;
    @PropertyInject(ElectionSettings.KEY_RENEW_DEADLINE)
    private long renewDeadlineMs;
    @PropertyInject(ElectionSettings.KEY_RETRY_PERIOD)
    private long retryPeriodMs;
    @PropertyInject(ElectionSettings.KEY_JITTER)
    private double jitter;
    @PropertyInject(value = ElectionSettings.KEY_MASTER_URL, defaultValue = "")
    private String masterUrl;
    @PropertyInject(ElectionSettings.KEY_CALL_TIMEOUT)
    private long callTimeoutMs;

    @PropertyInject(value = "k8sensus.election.label-leader", defaultValue = "false")
    private boolean labelLeader;

    @PropertyInject(value = "k8sensus.election.balance", defaultValue = "true")
    private boolean balance;

    @PropertyInject(value = ElectionSettings.KEY_RELEASE_ON_SHUTDOWN, defaultValue = "true")
    private boolean releaseOnShutdown;

    @PropertyInject(value = ElectionSettings.KEY_ALGORITHM, defaultValue = ElectionSettings.ALGORITHM_K8SENSUS)
    private String algorithm;

    private LeaseClusterService clusterService;

    @BindToRegistry("leaseClusterService")
    public synchronized LeaseClusterService leaseClusterService() {
        if (clusterService == null) {
            ElectionSettings settings = new ElectionSettings(podNameOrHostName(podName), namespace,
                    ElectionSettings.parseLabels(candidateLabels), leasePrefix, ElectionSettings.parseGroups(groups),
                    leaseDurationMs, renewDeadlineMs, retryPeriodMs, jitter, masterUrl, callTimeoutMs,
                    releaseOnShutdown, algorithm == null ? null : algorithm.trim()).validate();
            clusterService = new LeaseClusterService(settings, context -> ElectionMetrics.in(context, settings));
            clusterService.setLabelLeader(labelLeader);
            clusterService.setBalance(balance);
        }
        return clusterService;
    }

    @BindToRegistry("master")
    public LeaderOnlyComponent master() {
        return new LeaderOnlyComponent(leaseClusterService());
    }

    @BindToRegistry("electionLog")
    public ElectionLogPolicy electionLog() {
        return new ElectionLogPolicy(leaseClusterService(), leaseClusterService().terms());
    }

    /** Liveness DOWN while a group's election is stuck (readiness does not depend on it). */
    @BindToRegistry("electionHealth")
    public ElectionHealthCheck electionHealth() {
        return new ElectionHealthCheck(leaseClusterService());
    }

    /** The receiving side of fencing, for routes of this application that receive leader-only actions. */
    @BindToRegistry("epochFence")
    public EpochFence epochFence() {
        return new EpochFence();
    }

    /** POD_NAME from the downward API when set, else the host name, which Kubernetes sets to the Pod's name. */
    private static String podNameOrHostName(String podName) {
        if (podName != null && !podName.isBlank()) {
            return podName.trim();
        }
        String hostName = System.getenv("HOSTNAME");
        if (hostName != null && !hostName.isBlank()) {
            return hostName;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new InvalidSettingsException(ElectionSettings.KEY_POD_NAME + " is not set and the host name is unknown");
        }
    }
}
