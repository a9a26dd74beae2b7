package io.k8sensus.election;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.RequestConfigBuilder;

/**
 * Builds the fabric8 clients of the election. Camel's own helper builds a client from the environment without any
 * timeout when no master URL is set, so a single blocked request could outlast a short lease. Here one API call is
 * bounded by {@link ElectionSettings#callTimeoutMs()}: fabric8 allows an attempt twice its request timeout, and makes
 * one retry after {@link #RETRY_INTERVAL_MS} (the retry is what reports a refused connection to
 * {@link ApiConnectivityLog}); so each attempt gets a quarter of the call's budget.
 */
public final class KubernetesClients {

    static final int RETRY_INTERVAL_MS = 100;
    /** The request timeout of a watch's list and of opening it: fabric8's default. */
    static final int WATCH_REQUEST_TIMEOUT_MS = Config.DEFAULT_REQUEST_TIMEOUT;

    private KubernetesClients() {
    }

    /** The request (and connection) timeout of one attempt, so that two attempts fit in the call timeout. */
    static int attemptTimeoutMs(ElectionSettings settings) {
        return (int) Math.max(1, (settings.callTimeoutMs() - RETRY_INTERVAL_MS) / 4);
    }

    public static Config config(ElectionSettings settings) {
        // autoConfigure reads the in-cluster service account, else kubeconfig, as kubectl does
        Config auto = Config.autoConfigure(null);
        int attemptTimeout = attemptTimeoutMs(settings);
        ConfigBuilder builder = new ConfigBuilder(auto)
                .withConnectionTimeout(attemptTimeout)
                .withRequestTimeout(attemptTimeout)
                .withRequestRetryBackoffLimit(1)
                .withRequestRetryBackoffInterval(RETRY_INTERVAL_MS);
        if (settings.masterUrl() != null) {
            builder.withMasterUrl(settings.masterUrl());
        }
        if (settings.namespace() != null) {
            builder.withNamespace(settings.namespace());
        }
        return builder.build();
    }

    public static KubernetesClient create(ElectionSettings settings, ApiConnectivityLog connectivityLog) {
        return new KubernetesClientBuilder()
                .withConfig(config(settings))
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("k8sensus-connectivity", connectivityLog))
                .build();
    }

    /**
     * A client on the same connections for the watches (informers). Their first list and the opening of a watch are
     * not on the election's critical path (while a watch is down the election reads instead), and a list of many
     * Pods from a loaded API server may take longer than one election call may: bounding them by the call timeout
     * made watches fail at start-up under load and then wait out fabric8's reconnect backoff.
     */
    static KubernetesClient forWatches(KubernetesClient client) {
        return client.newClient(new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                .withRequestTimeout(Math.max(WATCH_REQUEST_TIMEOUT_MS, client.getConfiguration().getRequestTimeout()))
                .build()).adapt(KubernetesClient.class);
    }
}
