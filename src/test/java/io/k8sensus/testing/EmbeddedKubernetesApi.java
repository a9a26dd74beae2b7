package io.k8sensus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * An embedded Kubernetes API (fabric8's mock server in CRUD mode: real objects, 409 on a stale resourceVersion), plus
 * the kubelet's part: Pods that are Running and Ready, and their removal.
 */
public final class EmbeddedKubernetesApi implements AutoCloseable {

    public static final String NAMESPACE = "k8sensus-test";
    public static final Map<String, String> CANDIDATE_LABELS = Map.of("app.kubernetes.io/name", "k8sensus");

    /** The mock server logs every request at INFO; a strong reference keeps the lowered level from being collected. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = quiet("io.fabric8.mockwebserver");
    private static final java.util.logging.Logger OKHTTP_LOG = quiet("okhttp3.mockwebserver");

    private final KubernetesMockServer server;
    private final NamespacedKubernetesClient client;

    public EmbeddedKubernetesApi() {
        this(0);
    }

    /** An API on a given loopback port (0: any free port). */
    public EmbeddedKubernetesApi(int port) {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        client = server.createClient();
    }

    /** A loopback port that nothing listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return server.url("/");
    }

    public NamespacedKubernetesClient client() {
        return client;
    }

    /** Plays the kubelet: the Pod exists, matches the candidate labels, and is Running and Ready. */
    public void addReadyPod(String name) {
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).withLabels(CANDIDATE_LABELS).endMetadata()
                .withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus()
                .build();
        client.pods().inNamespace(NAMESPACE).resource(pod).create();
    }

    /** Plays the kubelet when a replica goes away. */
    public void deletePod(String name) {
        client.pods().inNamespace(NAMESPACE).withName(name).delete();
    }

    public Lease lease(String name) {
        return client.leases().inNamespace(NAMESPACE).withName(name).get();
    }

    public String holder(String leaseName) {
        Lease lease = lease(leaseName);
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(Level.WARNING);
        return logger;
    }
}
