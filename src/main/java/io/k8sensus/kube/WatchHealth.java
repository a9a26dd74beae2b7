package io.k8sensus.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.k8sensus.log.KeyValueLog;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one watch (a fabric8 informer) is up. The informer retries for ever, the first list included, so an API
 * server down at start-up is not fatal; fabric8's own warning with a stack trace at every retry is turned off in
 * {@code log4j2.properties}. An unreachable API server is already said once by {@link ApiConnectivityLog}; a watch
 * the API server refuses (HTTP 4xx: a Role without list or watch, for instance) is said here, once, with the reason,
 * and again when it is back.
 */
final class WatchHealth implements ExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.watch");

    private final String podName;
    private final String what;
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile boolean refused;

    WatchHealth(String podName, String what) {
        this.podName = podName;
        this.what = what;
    }

    @Override
    public boolean retryAfterException(boolean started, Throwable failure) {
        if (ExceptionHandler.isDeserializationException(failure)) {
            // not a fault of the connection: a retry would fail the same way, and fabric8 logs it as an error
            return false;
        }
        if (down.compareAndSet(false, true)) {
            int code = statusCode(failure);
            refused = code >= 400 && code < 500;
            if (refused) {
                KeyValueLog.warn(
                        LOG,
                        "event=watch-refused pod={} watch=\"{}\" reason=\"HTTP {}: {}\": reading at every step instead"
                                + "{}",
                        podName,
                        what,
                        code,
                        RootCause.describe(failure),
                        code == 401 || code == 403 ? "; the Role must allow list and watch (k8s/rbac.yaml)" : "");
            } else {
                LOG.debug("Watch of {} failed, reading at every step until it is back", what, failure);
            }
        }
        return true;
    }

    /** The HTTP status of the API server's answer, if the failure carries one (fabric8 wraps it); else 0. */
    private static int statusCode(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return k.getCode();
            }
        }
        return 0;
    }

    /** Called with the informer's state whenever it is consulted; says once that a failed watch is back. */
    void watching(boolean watching) {
        if (watching && down.compareAndSet(true, false)) {
            if (refused) {
                KeyValueLog.info(LOG, "event=watch-up pod={} watch=\"{}\"", podName, what);
            } else {
                LOG.debug("Watch of {} is back", what);
            }
        }
    }
}
