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
import java.util.function.Function;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the election's objects from {@code application.properties}: the Lease cluster service, the {@code master}
 * component that uses it, and the {@code electionLog} route policy. The settings give the values ({@link ElectionSettings},
 * read once), this class the wiring.
 */
public class ElectionConfiguration implements CamelConfiguration, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(ElectionConfiguration.class);

    private CamelContext camelContext;
    private ElectionSettings settings;
    private LeaseClusterService clusterService;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * The settings of this replica, read from {@code context}'s properties the first time they are asked for (by the
     * route files' check, before the beans are made) and the same object after that.
     */
    public synchronized ElectionSettings settings(CamelContext context) {
        if (settings == null) {
            CamelClusterKeys.Reading camel = CamelClusterKeys.read(camelClusterKeys(context));
            if (!camel.refused().isEmpty()) {
                throw new InvalidSettingsException("Invalid election settings: " + String.join("; ", camel.refused()));
            }
            camel.lines().forEach(line -> KeyValueLog.info(LOG, "event=camel-key {}", line));
            Function<String, Optional<String>> properties =
                    key -> context.getPropertiesComponent().resolveProperty(key);
            settings = ElectionSettings.read(properties, camel, ElectionConfiguration::hostName);
            // earlier versions' choice of elector: said to be gone when set
            ElectionSettings.ignoredAlgorithm(properties)
                    .ifPresent(value -> KeyValueLog.warn(
                            LOG,
                            "event=setting-ignored key={} value={}: k8sensus has one elector, the one docs/DESIGN.md"
                                    + " describes, inside the Camel cluster service; remove the key",
                            ElectionSettings.KEY_ALGORITHM,
                            value));
        }
        return settings;
    }

    @BindToRegistry("leaseClusterService")
    public synchronized LeaseClusterService leaseClusterService() {
        if (clusterService == null) {
            ElectionSettings read = settings(camelContext);
            clusterService = new LeaseClusterService(read, context -> ElectionMetrics.in(context, read));
        }
        return clusterService;
    }

    /**
     * The {@code camel.cluster.kubernetes.*} keys of this replica, from every place Camel reads properties: the
     * properties files, then environment variables, then JVM system properties (the later wins, as in Camel).
     */
    private static Map<String, String> camelClusterKeys(CamelContext context) {
        Map<String, String> found = new LinkedHashMap<>();
        // Camel's ordered properties keep their entries apart from the Hashtable's, so read them by name
        Properties files = context.getPropertiesComponent()
                .loadProperties(key -> CamelClusterKeys.PREFIXES.stream().anyMatch(key::startsWith));
        files.stringPropertyNames().forEach(key -> found.put(key, files.getProperty(key)));
        found.putAll(CamelClusterKeys.fromEnvironment(System.getenv()));
        System.getProperties().forEach((key, value) -> {
            if (CamelClusterKeys.PREFIXES.stream().anyMatch(key.toString()::startsWith)) {
                found.put(key.toString(), String.valueOf(value));
            }
        });
        return found;
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

    /** The host name, which Kubernetes sets to the Pod's name: the replica's name when none is set. */
    private static String hostName() {
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
