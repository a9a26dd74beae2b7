package io.k8sensus.stock;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.KubernetesHelper;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;

/**
 * The cluster service of {@code master:} routes, as camel-kubernetes documents it: a {@link KubernetesClusterService}
 * with the Lease lock, its settings from the {@code cluster.kubernetes.*} properties. camel-main 4.18 has no
 * {@code camel.cluster.kubernetes.*} options, so the service is built here, and added to the context here: Camel Main
 * collects the cluster services of the registry before it binds the beans of configuration classes.
 * <p>
 * The service is built with a {@link KubernetesConfiguration}: {@code new KubernetesClusterService()} ignores the
 * master URL, the namespace and the connection timeout set on it (Camel 4.18).
 */
public class KubernetesClusterConfiguration implements CamelConfiguration {

    /**
     * The client settings, and the client built from them as the cluster service would build it (Camel's
     * {@code KubernetesHelper}, with Camel's default connection timeout: a third of the renew deadline, within 3 to
     * 30 s): one client for the service and for {@link LeaseTerm}'s one read per term, instead of a second client
     * (a second Vert.x with its threads).
     */
    @BindToRegistry("kubernetesConfiguration")
    public KubernetesConfiguration kubernetesConfiguration(
            @PropertyInject(value = "cluster.kubernetes.master-url", defaultValue = "") String masterUrl,
            @PropertyInject(value = "cluster.kubernetes.namespace", defaultValue = "") String namespace,
            @PropertyInject(value = "cluster.kubernetes.connection-timeout-ms", defaultValue = "") String timeout,
            @PropertyInject(value = "cluster.kubernetes.renew-deadline-ms", defaultValue = "10000") long renewMs) {
        KubernetesConfiguration kubernetes = new KubernetesConfiguration();
        kubernetes.setMasterUrl(orNull(masterUrl));
        kubernetes.setNamespace(orNull(namespace));
        kubernetes.setConnectionTimeout(
                orNull(timeout) != null
                        ? Integer.valueOf(timeout.strip())
                        : (int) Math.min(30_000, Math.max(3_000, renewMs / 3)));
        kubernetes.setKubernetesClient(KubernetesHelper.getKubernetesClient(kubernetes));
        return kubernetes;
    }

    @BindToRegistry("clusterService")
    public KubernetesClusterService clusterService(
            @BeanInject("kubernetesConfiguration") KubernetesConfiguration kubernetes,
            @PropertyInject(value = "cluster.kubernetes.pod-name", defaultValue = "") String podName,
            @PropertyInject(value = "cluster.kubernetes.cluster-labels", defaultValue = "") String labels,
            @PropertyInject(value = "cluster.kubernetes.resource-name", defaultValue = "leaders") String resourceName,
            @PropertyInject(value = "cluster.kubernetes.lease-duration-ms", defaultValue = "15000") long leaseMs,
            @PropertyInject(value = "cluster.kubernetes.renew-deadline-ms", defaultValue = "10000") long renewMs,
            @PropertyInject(value = "cluster.kubernetes.retry-period-ms", defaultValue = "2000") long retryMs,
            @PropertyInject(value = "cluster.kubernetes.jitter-factor", defaultValue = "1.2") double jitter) {
        KubernetesClusterService service = new KubernetesClusterService(kubernetes);
        service.setLeaseResourceType(LeaseResourceType.Lease);
        service.setKubernetesResourceName(resourceName.strip());
        service.setPodName(orNull(podName)); // null: Camel's default, $HOSTNAME
        service.setClusterLabels(labels(labels));
        service.setLeaseDurationMillis(leaseMs);
        service.setRenewDeadlineMillis(renewMs);
        service.setRetryPeriodMillis(retryMs);
        service.setJitterFactor(jitter);
        return service;
    }

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        var registry = camelContext.getRegistry();
        KubernetesClusterService service =
                registry.lookupByNameAndType("clusterService", KubernetesClusterService.class);
        camelContext.addService(service);
        // the epoch of the routes' log lines, read with the service's client
        KubernetesConfiguration kubernetes =
                registry.lookupByNameAndType("kubernetesConfiguration", KubernetesConfiguration.class);
        registry.bind("leaseTerm", new LeaseTerm(kubernetes.getKubernetesClient(), service));
    }

    /** "k=v,k2=v2" as a map; empty: none (every Pod of the namespace is a member). */
    static Map<String, String> labels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] kv = pair.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException(
                        "cluster.kubernetes.cluster-labels: '" + pair.strip() + "' is not of the form key=value");
            }
            labels.put(kv[0].strip(), kv[1].strip());
        }
        return labels;
    }

    private static String orNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
