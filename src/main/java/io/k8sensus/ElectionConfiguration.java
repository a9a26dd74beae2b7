package io.k8sensus;

import io.k8sensus.camel.ElectionHealthCheck;
import io.k8sensus.camel.ElectionLogPolicy;
import io.k8sensus.camel.LeaderOnlyComponent;
import io.k8sensus.camel.LeaseClusterService;
import io.k8sensus.config.CamelClusterKeys;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.fencing.EpochFence;
import io.k8sensus.log.KeyValueLog;
import io.k8sensus.metrics.ElectionMetrics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.PropertyInject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the election's objects from {@code application.properties}: the Lease cluster service, the {@code master}
 * component that uses it, and the {@code electionLog} route policy. Properties give the values, this class the wiring.
 */
public class ElectionConfiguration implements CamelConfiguration, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(ElectionConfiguration.class);

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

    @PropertyInject(value = ElectionSettings.KEY_LABEL_LEADER, defaultValue = "false")
    private boolean labelLeader;

    @PropertyInject(value = ElectionSettings.KEY_BALANCE, defaultValue = "true")
    private boolean balance;

    @PropertyInject(value = ElectionSettings.KEY_RELEASE_ON_SHUTDOWN, defaultValue = "true")
    private boolean releaseOnShutdown;

    private CamelContext camelContext;
    private LeaseClusterService clusterService;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @BindToRegistry("leaseClusterService")
    public synchronized LeaseClusterService leaseClusterService() {
        if (clusterService == null) {
            CamelClusterKeys.Reading camel = CamelClusterKeys.read(camelClusterKeys());
            if (!camel.refused().isEmpty()) {
                throw new InvalidSettingsException("Invalid election settings: " + String.join("; ", camel.refused()));
            }
            camel.lines().forEach(line -> KeyValueLog.info(LOG, "event=camel-key {}", line));
            Map<String, String> read = camel.values();
            ElectionSettings settings = new ElectionSettings(
                            podNameOrHostName(read.getOrDefault(ElectionSettings.KEY_POD_NAME, podName)),
                            read.getOrDefault(ElectionSettings.KEY_NAMESPACE, namespace),
                            ElectionSettings.parseLabels(
                                    read.getOrDefault(ElectionSettings.KEY_LABELS, candidateLabels)),
                            read.getOrDefault(ElectionSettings.KEY_LEASE_PREFIX, leasePrefix),
                            ElectionSettings.parseGroups(groups),
                            number(camel, ElectionSettings.KEY_LEASE_DURATION, leaseDurationMs),
                            number(camel, ElectionSettings.KEY_RENEW_DEADLINE, renewDeadlineMs),
                            number(camel, ElectionSettings.KEY_RETRY_PERIOD, retryPeriodMs),
                            decimal(camel, ElectionSettings.KEY_JITTER, jitter),
                            read.getOrDefault(ElectionSettings.KEY_MASTER_URL, masterUrl),
                            callTimeoutMs,
                            releaseOnShutdown)
                    .validate(camel::nameOf);
            // earlier versions' choice of elector: said to be gone when set
            Optional<String> algorithm = camelContext == null
                    ? Optional.empty()
                    : camelContext.getPropertiesComponent().resolveProperty(ElectionSettings.KEY_ALGORITHM);
            algorithm
                    .filter(value -> !value.isBlank())
                    .ifPresent(value -> KeyValueLog.warn(
                            LOG,
                            "event=setting-ignored key={} value={}: k8sensus has one elector, the one docs/DESIGN.md"
                                    + " describes, inside the Camel cluster service; remove the key",
                            ElectionSettings.KEY_ALGORITHM,
                            value.trim()));
            clusterService = new LeaseClusterService(settings, context -> ElectionMetrics.in(context, settings));
            clusterService.setLabelLeader(labelLeader);
            clusterService.setBalance(
                    read.containsKey(ElectionSettings.KEY_BALANCE)
                            ? Boolean.parseBoolean(read.get(ElectionSettings.KEY_BALANCE))
                            : balance);
        }
        return clusterService;
    }

    /**
     * The {@code camel.cluster.kubernetes.*} keys of this replica, from every place Camel reads properties: the
     * properties files, then environment variables, then JVM system properties (the later wins, as in Camel).
     */
    private Map<String, String> camelClusterKeys() {
        Map<String, String> found = new LinkedHashMap<>();
        if (camelContext != null) {
            // Camel's ordered properties keep their entries apart from the Hashtable's, so read them by name
            Properties files = camelContext
                    .getPropertiesComponent()
                    .loadProperties(key -> CamelClusterKeys.PREFIXES.stream().anyMatch(key::startsWith));
            files.stringPropertyNames().forEach(key -> found.put(key, files.getProperty(key)));
        }
        found.putAll(CamelClusterKeys.fromEnvironment(System.getenv()));
        System.getProperties().forEach((key, value) -> {
            if (CamelClusterKeys.PREFIXES.stream().anyMatch(key.toString()::startsWith)) {
                found.put(key.toString(), String.valueOf(value));
            }
        });
        return found;
    }

    private static long number(CamelClusterKeys.Reading camel, String key, long otherwise) {
        String value = camel.values().get(key);
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException("Invalid election settings: " + camel.nameOf(key)
                    + " must be a whole number of milliseconds (found '" + value + "')");
        }
    }

    private static double decimal(CamelClusterKeys.Reading camel, String key, double otherwise) {
        String value = camel.values().get(key);
        if (value == null) {
            return otherwise;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException(
                    "Invalid election settings: " + camel.nameOf(key) + " must be a number (found '" + value + "')");
        }
    }

    @BindToRegistry("master")
    public LeaderOnlyComponent master() {
        return new LeaderOnlyComponent(leaseClusterService());
    }

    @BindToRegistry("electionLog")
    public ElectionLogPolicy electionLog() {
        return new ElectionLogPolicy(
                leaseClusterService(), leaseClusterService().terms());
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
            throw new InvalidSettingsException(
                    ElectionSettings.KEY_POD_NAME + " is not set and the host name is unknown");
        }
    }
}
