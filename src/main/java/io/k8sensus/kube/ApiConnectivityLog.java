package io.k8sensus.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.k8sensus.log.KeyValueLog;
import java.net.URL;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every request the election makes and logs one line when the API server becomes unreachable and one when it
 * answers again, with its URL. Camel's own controller logs a warning without the URL on every retry; that line is
 * filtered in {@code log4j2.properties} and this one stands in for it.
 */
public class ApiConnectivityLog implements Interceptor {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.api");

    private enum State {
        UNKNOWN,
        REACHABLE,
        UNREACHABLE
    }

    private final String podName;
    private final AtomicReference<State> state = new AtomicReference<>(State.UNKNOWN);
    private volatile String lastUrl;

    public ApiConnectivityLog(String podName) {
        this.podName = podName;
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        if (response.code() >= 500) {
            unreachable(request, "HTTP " + response.code());
        } else if (state.getAndSet(State.REACHABLE) == State.UNREACHABLE) {
            KeyValueLog.info(LOG, "event=api-reachable pod={} url={}", podName, baseUrl(request));
        }
    }

    @Override
    public void afterConnectionFailure(HttpRequest request, Throwable failure) {
        unreachable(request, RootCause.describe(failure));
    }

    /**
     * A watch delivered a change: the API server answers. A follower that follows by watch makes no request for as
     * long as it follows, so without this its last word would stay "unreachable".
     */
    public void answered() {
        if (state.compareAndSet(State.UNREACHABLE, State.REACHABLE)) {
            KeyValueLog.info(LOG, "event=api-reachable pod={} url={}", podName, lastUrl);
        }
    }

    private void unreachable(HttpRequest request, String cause) {
        unreachable(baseUrl(request), cause);
    }

    /**
     * A call of {@code client} failed: if it got no answer at all, says the API server is unreachable (an HTTP error
     * is said by {@link #after}). Returns the failure in a few words.
     */
    public String failed(KubernetesClient client, RuntimeException failure) {
        String reason = RootCause.describe(failure);
        if (!(failure instanceof KubernetesClientException k) || k.getCode() <= 0) {
            URL url = client.getMasterUrl();
            unreachable(url.getProtocol() + "://" + url.getAuthority(), reason);
        }
        return reason;
    }

    /**
     * A call got no answer at all (refused, reset, timed out). The election's client makes one attempt per call, and
     * fabric8 tells interceptors of a connection failure only before a retry, so its callers say it here.
     */
    public void unreachable(String url, String cause) {
        lastUrl = url;
        if (state.getAndSet(State.UNREACHABLE) != State.UNREACHABLE) {
            KeyValueLog.warn(
                    LOG,
                    "event=api-unreachable pod={} url={} cause=\"{}\": retrying; a leader acts until its renew deadline",
                    podName,
                    url,
                    cause);
        }
    }

    private static String baseUrl(HttpRequest request) {
        var uri = request.uri();
        return uri.getScheme() + "://" + uri.getAuthority();
    }
}
