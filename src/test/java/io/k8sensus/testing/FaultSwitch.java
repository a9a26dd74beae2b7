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
        LATE_ACK
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
        };
    }
}
