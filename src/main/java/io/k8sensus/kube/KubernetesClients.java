package io.k8sensus.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.k8sensus.config.ElectionSettings;

/**
 * Builds the fabric8 clients of the election. Camel's own helper builds a client from the environment without any
 * timeout when no master URL is set, so a single blocked request could outlast a short lease. Here one API call is one
 * attempt bounded by {@link ElectionSettings#callTimeoutMs()} (below the renew deadline), with no retry inside the
 * client: as in client-go, the election itself tries again at its next step, so a slow API server that answers within
 * the call timeout keeps its leader.
 */
public final class KubernetesClients {

    /** The request timeout of a watch's list and of opening it: fabric8's default. */
    static final int WATCH_REQUEST_TIMEOUT_MS = Config.DEFAULT_REQUEST_TIMEOUT;

    private KubernetesClients() {}

    /** The request (and connection) timeout of one call. */
    public static int attemptTimeoutMs(ElectionSettings settings) {
        return (int) Math.max(1, settings.callTimeoutMs());
    }

    public static Config config(ElectionSettings settings) {
        // autoConfigure reads the in-cluster service account, else kubeconfig, as kubectl does
        Config auto = Config.autoConfigure(null);
        int attemptTimeout = attemptTimeoutMs(settings);
        ConfigBuilder builder = new ConfigBuilder(auto)
                .withConnectionTimeout(attemptTimeout)
                .withRequestTimeout(attemptTimeout)
                .withRequestRetryBackoffLimit(0);
        if (settings.masterUrl() != null) {
            builder.withMasterUrl(settings.masterUrl());
        }
        if (settings.namespace() != null) {
            builder.withNamespace(settings.namespace());
        }
        return builder.build();
    }

    public static KubernetesClient create(ElectionSettings settings, ApiConnectivityLog connectivityLog) {
        return builder(settings, connectivityLog).build();
    }

    /** The same on a given Vert.x ({@link ElectionVertx}), which the caller closes after the client. */
    public static KubernetesClient create(
            ElectionSettings settings, ApiConnectivityLog connectivityLog, ElectionVertx vertx) {
        return builder(settings, connectivityLog)
                .withHttpClientFactory(vertx.httpClientFactory())
                .build();
    }

    private static KubernetesClientBuilder builder(ElectionSettings settings, ApiConnectivityLog connectivityLog) {
        return new KubernetesClientBuilder()
                .withConfig(config(settings))
                .withKubernetesSerialization(serialization())
                .withHttpClientBuilderConsumer(
                        b -> b.addOrReplaceInterceptor("k8sensus-connectivity", connectivityLog));
    }

    /**
     * The JSON mapping of the election's clients, which knows the kinds a watch can deliver to them: a Lease, a Pod,
     * or a Status (a watch's error). fabric8's default finds the kinds by instantiating every model class on the
     * class path the first time it reads a watch event (about 500 classes of models the election never reads, 4 MiB
     * of metaspace and more of heap per replica); other kinds still arrive, as generic resources that the watch
     * converts to its own type.
     */
    static KubernetesSerialization serialization() {
        KubernetesSerialization serialization = new KubernetesSerialization(new ObjectMapper(), false);
        serialization.registerKubernetesResource(Lease.class);
        serialization.registerKubernetesResource(Pod.class);
        serialization.registerKubernetesResource(Status.class);
        return serialization;
    }

    /**
     * A client on the same connections for the watches (informers). Their first list and the opening of a watch are
     * not on the election's critical path (while a watch is down the election reads instead), and a list of many
     * Pods from a loaded API server may take longer than one election call may: bounding them by the call timeout
     * made watches fail at start-up under load and then wait out fabric8's reconnect backoff.
     */
    public static KubernetesClient forWatches(KubernetesClient client) {
        return client.newClient(
                        new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                                .withRequestTimeout(Math.max(
                                        WATCH_REQUEST_TIMEOUT_MS,
                                        client.getConfiguration().getRequestTimeout()))
                                .build())
                .adapt(KubernetesClient.class);
    }
}
