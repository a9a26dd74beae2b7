package io.k8sensus.testing;

import java.util.concurrent.TimeUnit;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * One replica's connection to the embedded API, with faults the test switches on: a blackhole (requests never
 * answered, nothing applied), HTTP 500s, or late answers to applied requests. In front of the shared store.
 */
public final class FaultSwitch extends Dispatcher {

    public enum Mode {
        NORMAL,
        BLACKHOLE,
        FAIL_500,
        /** Requests are applied, but every answer comes after {@link #LATE_ACK_DELAY_MS}. */
        LATE_ACK,
        /** Writes are applied, but answered after {@link #LATE_ACK_DELAY_MS}; reads and watches are served at once. */
        LATE_ACK_WRITES,
        /**
         * HTTP 403 for every watch and for lists of Leases, as with a Role that grants only get and update on the
         * Leases and list on Pods; other requests are served.
         */
        FORBID_WATCHES
    }

    public static final long LATE_ACK_DELAY_MS = 5000;

    private final Dispatcher store;
    private volatile Mode mode = Mode.NORMAL;

    FaultSwitch(Dispatcher store) {
        this.store = store;
    }

    public void set(Mode mode) {
        this.mode = mode;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        return switch (mode) {
            case NORMAL -> store.dispatch(request);
            case FAIL_500 -> new MockResponse().setResponseCode(500).setBody("{\"kind\":\"Status\",\"code\":500}");
            case BLACKHOLE -> new MockResponse().setResponseCode(504).setBodyDelay(10, TimeUnit.MINUTES);
            case LATE_ACK -> store.dispatch(request).setBodyDelay(LATE_ACK_DELAY_MS, TimeUnit.MILLISECONDS);
            case LATE_ACK_WRITES -> request.getMethod().equals("GET") ? store.dispatch(request)
                    : store.dispatch(request).setBodyDelay(LATE_ACK_DELAY_MS, TimeUnit.MILLISECONDS);
            case FORBID_WATCHES -> isWatchOrLeaseList(request) ? new MockResponse().setResponseCode(403).setBody(
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                    + "\"message\":\"forbidden by the Role\",\"code\":403}") : store.dispatch(request);
        };
    }

    private static boolean isWatchOrLeaseList(RecordedRequest request) {
        String path = request.getPath().split("\\?")[0];
        return request.getMethod().equals("GET")
               && (request.getPath().contains("watch=true") || path.endsWith("/leases"));
    }
}
