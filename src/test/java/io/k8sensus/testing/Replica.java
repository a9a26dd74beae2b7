package io.k8sensus.testing;

import io.k8sensus.K8sensusApplication;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * One replica of the real application (Camel Main, {@code application.properties}, the shipped YAML routes) inside the
 * test JVM, with its own pod name, pointed at the embedded API with short test timings.
 */
public final class Replica implements AutoCloseable {

    /** Lease 3 s, renew deadline 2 s, retry period 0.4 s x 1.2: a failover takes seconds, not tens of seconds. */
    public static final long LEASE_MS = 3000;

    public static final long RENEW_DEADLINE_MS = 2000;
    public static final long RETRY_PERIOD_MS = 400;
    public static final double JITTER = 1.2;

    private final String name;
    private final Main main;

    private Replica(String name, Main main) {
        this.name = name;
        this.main = main;
    }

    /** Starts a replica; {@code overrides} replace the test defaults (e.g. the groups or the routes). */
    public static Replica start(
            String name, EmbeddedKubernetesApi api, FiringHistory history, Map<String, String> overrides)
            throws Exception {
        return start(name, api.url(), history, overrides);
    }

    public static Replica start(String name, String apiUrl, FiringHistory history, Map<String, String> overrides)
            throws Exception {
        return start(name, apiUrl, history, overrides, Map.of());
    }

    /** Starts a replica with extra beans in its registry (for test routes that call them). */
    public static Replica start(
            String name, String apiUrl, FiringHistory history, Map<String, String> overrides, Map<String, Object> beans)
            throws Exception {
        Main main = K8sensusApplication.newMain();
        beans.forEach(main::bind);
        Properties props = new Properties();
        props.putAll(testProperties(name, apiUrl));
        props.putAll(overrides);
        main.setOverrideProperties(props);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport m) {
                history.recordFrom(name, m.getCamelContext());
            }
        });
        main.start();
        return new Replica(name, main);
    }

    public static Map<String, String> testProperties(String name, EmbeddedKubernetesApi api) {
        return testProperties(name, api.url());
    }

    public static Map<String, String> testProperties(String name, String apiUrl) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("camel.main.name", name);
        p.put("camel.main.shutdown-timeout", "5");
        p.put("camel.management.enabled", "false");
        p.put("k8sensus.routes.dir", "");
        p.put("k8sensus.heartbeat.period-ms", "200");
        p.put("k8sensus.replica-heartbeat.period-ms", "200");
        p.put("k8sensus.kubernetes.master-url", apiUrl);
        p.put("k8sensus.kubernetes.namespace", EmbeddedKubernetesApi.NAMESPACE);
        p.put("k8sensus.kubernetes.call-timeout-ms", "1900");
        p.put("k8sensus.election.pod-name", name);
        p.put("k8sensus.election.lease-duration-ms", String.valueOf(LEASE_MS));
        p.put("k8sensus.election.renew-deadline-ms", String.valueOf(RENEW_DEADLINE_MS));
        p.put("k8sensus.election.retry-period-ms", String.valueOf(RETRY_PERIOD_MS));
        p.put("k8sensus.election.jitter", String.valueOf(JITTER));
        return p;
    }

    public String name() {
        return name;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public void stop() {
        try {
            main.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Replica " + name + " did not stop", e);
        }
    }

    @Override
    public void close() {
        if (main.isStarted()) {
            stop();
        }
    }
}
