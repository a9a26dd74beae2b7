package io.k8sensus.tools;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An embedded Kubernetes API (fabric8's mock server in CRUD mode: real objects, 409 on a stale resourceVersion), plus
 * the kubelet's part: Pods that are Running and Ready, and their removal. A JSON Patch that cannot be applied (a failed
 * {@code test}, a missing path) is answered 422 Invalid with nothing written, as kube-apiserver answers it; the mock
 * alone never answers it ({@link JsonPatchAsTheApiServer}).
 * <p>
 * Two ports share one store: replicas talk to {@link #url()}, whose requests are recorded; the test's own client
 * ({@link #client()}) talks to the other, so its requests never mix with the replicas'.
 */
public final class EmbeddedKubernetesApi implements AutoCloseable {

    public static final String NAMESPACE = "k8sensus-test";
    public static final Map<String, String> CANDIDATE_LABELS = Map.of("app.kubernetes.io/name", "k8sensus");

    /** The mock server logs every request at INFO; a strong reference keeps the lowered level from being collected. */
    private static final Logger MOCK_SERVER_LOG = quiet("io.fabric8.mockwebserver");

    private final KubernetesMockServer replicaServer;
    private final KubernetesMockServer adminServer;
    private final NamespacedKubernetesClient client;
    private final KubernetesCrudDispatcher store;
    private final List<KubernetesMockServer> faultyServers = new ArrayList<>();

    public EmbeddedKubernetesApi() {
        this(0);
    }

    /** An API whose replica port is a given loopback port (0: any free port). */
    public EmbeddedKubernetesApi(int port) {
        store = new JsonPatchAsTheApiServer();
        Dispatcher tolerant = new ClosedWatchTolerance(store);
        replicaServer = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), tolerant, false);
        adminServer = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), tolerant, false);
        replicaServer.init(InetAddress.getLoopbackAddress(), port);
        adminServer.init(InetAddress.getLoopbackAddress(), 0);
        client = adminServer.createClient();
    }

    /** A port of its own for one replica, on the same store, whose connection the test can break. */
    public synchronized FaultyConnection faultyConnection() {
        FaultSwitch faults = new FaultSwitch(new ClosedWatchTolerance(store));
        KubernetesMockServer server =
                new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), faults, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        faultyServers.add(server);
        return new FaultyConnection(server.url("/"), faults, server);
    }

    /** The URL a replica uses, the switch that breaks it, and its requests. */
    public record FaultyConnection(String url, FaultSwitch faults, KubernetesMockServer server) {

        /** The requests made through this connection since the last call, as "METHOD path". */
        public List<String> takeRequests() throws InterruptedException {
            List<String> requests = new ArrayList<>();
            RecordedRequest request;
            while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
                requests.add(request.getMethod() + " " + request.getPath());
            }
            return requests;
        }
    }

    /**
     * Works around the mock's watch bookkeeping: a watch whose client went away (a replica stopped or killed) stays
     * registered for a while with its sender already shut down, and a change made meanwhile fails with
     * RejectedExecutionException after it was applied, leaving the request unanswered. The request is then made
     * again, and answered as the API server would answer it now (a DELETE already done: 404; a write: 409).
     */
    private static final class ClosedWatchTolerance extends Dispatcher {

        private final Dispatcher store;

        ClosedWatchTolerance(Dispatcher store) {
            this.store = store;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            // the store consumes the body as it reads it: keep a copy for the second attempt
            byte[] body = request.getBody() == null ? null : request.getBody().getBytes();
            try {
                return store.dispatch(request);
            } catch (RejectedExecutionException e) {
                return store.dispatch(new RecordedRequest(
                        request.getHttpVersion(),
                        request.method(),
                        request.getPath(),
                        request.getHeaders(),
                        body == null ? null : new Buffer(body)));
            }
        }
    }

    /**
     * The mock's CRUD store, except for a JSON Patch that cannot be applied: fabric8's mock lets the patch library's
     * exception escape, and the request is never answered (the client waits for its timeout). kube-apiserver answers
     * it with 422, reason Invalid, no kind or name in the details, and writes nothing (its patch handler,
     * {@code applyJSPatch}); so does this. The mock applies patches one at a time under its write lock, so the
     * {@code test}s and the write are atomic, as they are on the real server.
     */
    public static final class JsonPatchAsTheApiServer extends KubernetesCrudDispatcher {

        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            try {
                return super.handlePatch(request);
            } catch (RuntimeException e) {
                if (!fromJsonPatch(e)) {
                    throw e;
                }
                String message = String.valueOf(e.getMessage())
                        .replace("\\", "\\\\")
                        .replace("\"", "\\\"")
                        .replace("\n", " ");
                return new MockResponse()
                        .setResponseCode(422)
                        .setBody("{\"apiVersion\":\"v1\",\"kind\":\"Status\","
                                + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"the server rejected our request due to an"
                                + " error in our request\",\"reason\":\"Invalid\",\"details\":{\"causes\":[{\"message\":\""
                                + message + "\"}]},\"code\":422}");
            }
        }

        private static boolean fromJsonPatch(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t.getClass().getName().startsWith("io.fabric8.zjsonpatch.")) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Whether nothing listens on a loopback port right now. */
    public static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A loopback port that nothing listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The URL replicas use. */
    public String url() {
        return replicaServer.url("/");
    }

    /** The test's own client (the kubelet's and kubectl's part). */
    public NamespacedKubernetesClient client() {
        return client;
    }

    /** Every request the replicas made so far, oldest first, as "METHOD path?query"; each is returned once. */
    public List<String> takeReplicaRequests() throws InterruptedException {
        List<String> requests = new ArrayList<>();
        RecordedRequest request;
        while ((request = replicaServer.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            requests.add(request.getMethod() + " " + request.getPath());
        }
        return requests;
    }

    /** Plays the kubelet: the Pod exists, matches the candidate labels, and is Running and Ready. */
    public void addReadyPod(String name) {
        addReadyPod(name, NAMESPACE);
    }

    /** Plays the kubelet in a given namespace. */
    public void addReadyPod(String name, String namespace) {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(CANDIDATE_LABELS)
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build();
        // create, or update if a create answered as a conflict had been applied after all (see ClosedWatchTolerance)
        client.pods().inNamespace(namespace).resource(pod).createOr(NonDeletingOperation::update);
    }

    /** Plays the kubelet when a replica goes away. */
    public void deletePod(String name) {
        deletePod(name, NAMESPACE);
    }

    public void deletePod(String name, String namespace) {
        client.pods().inNamespace(namespace).withName(name).delete();
    }

    /** Plays the kubelet when a readiness probe fails (false) or passes again (true). */
    public void setPodReady(String name, boolean ready) {
        client.pods()
                .inNamespace(NAMESPACE)
                .withName(name)
                .edit(pod -> new PodBuilder(pod)
                        .editStatus()
                        .editFirstCondition()
                        .withStatus(ready ? "True" : "False")
                        .endCondition()
                        .endStatus()
                        .build());
    }

    public Lease lease(String name) {
        return client.leases().inNamespace(NAMESPACE).withName(name).get();
    }

    public String holder(String leaseName) {
        return LeaseHolder.of(lease(leaseName)).holder();
    }

    @Override
    public void close() {
        client.close();
        faultyServers.forEach(KubernetesMockServer::destroy);
        adminServer.destroy();
        replicaServer.destroy();
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.WARNING);
        return logger;
    }
}
