package io.k8sensus.tools;

import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One replica's connection to the embedded API, with faults the test switches on: a blackhole (requests never
 * answered, nothing applied), HTTP 500s, late answers to applied requests, a slow API (its watch events late too, or
 * on time), or watches that stay open and deliver nothing. In front of the shared store.
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
        FORBID_WATCHES,
        /**
         * A slow API server: every request is applied at once, and its answer, like every event of a watch (those
         * opened before the switch too), comes {@link #slow(long) a fixed delay} late, in order. Set through
         * {@link #slow(long)}. The mock server delays bodies only: an answer with an empty body goes out at once.
         */
        SLOW,
        /**
         * A slow API server whose watches keep up: every request is applied at once and answered
         * {@link #slowAnswers(long) a fixed delay} late, while watch events go out as they happen. Set through
         * {@link #slowAnswers(long)}. As with {@link #SLOW}, an answer with an empty body goes out at once.
         */
        SLOW_ANSWERS,
        /**
         * Silent watches: every watch, those opened before the switch too, stays open and looks up to the client, but
         * no event reaches it; other requests are served.
         */
        SILENT_WATCHES
    }

    public static final long LATE_ACK_DELAY_MS = 5000;

    /** Sends the delayed watch events of every connection; sending does not block, so one thread is enough. */
    private static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fault-switch-late-events");
        t.setDaemon(true);
        return t;
    });

    private final Dispatcher store;
    private volatile Mode mode = Mode.NORMAL;
    private volatile long slowMs;

    FaultSwitch(Dispatcher store) {
        this.store = store;
    }

    public void set(Mode mode) {
        this.mode = mode;
    }

    /** {@link Mode#SLOW}: every answer and every watch event {@code delayMs} late. */
    public void slow(long delayMs) {
        this.slowMs = delayMs;
        this.mode = Mode.SLOW;
    }

    /** {@link Mode#SLOW_ANSWERS}: every answer {@code delayMs} late; watch events on time. */
    public void slowAnswers(long delayMs) {
        this.slowMs = delayMs;
        this.mode = Mode.SLOW_ANSWERS;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        MockResponse response = answer(request);
        if (response.getWebSocketListener() != null) {
            // every watch, so that one opened before the switch is slowed too
            response.withWebSocketUpgrade(new LateEvents(response.getWebSocketListener()));
        }
        return response;
    }

    private MockResponse answer(RecordedRequest request) {
        return switch (mode) {
            case NORMAL -> store.dispatch(request);
            case FAIL_500 -> new MockResponse().setResponseCode(500).setBody("{\"kind\":\"Status\",\"code\":500}");
            case BLACKHOLE -> new MockResponse().setResponseCode(504).setBodyDelay(10, TimeUnit.MINUTES);
            case LATE_ACK -> store.dispatch(request).setBodyDelay(LATE_ACK_DELAY_MS, TimeUnit.MILLISECONDS);
            case LATE_ACK_WRITES ->
                request.getMethod().equals("GET")
                        ? store.dispatch(request)
                        : store.dispatch(request).setBodyDelay(LATE_ACK_DELAY_MS, TimeUnit.MILLISECONDS);
            case FORBID_WATCHES ->
                isWatchOrLeaseList(request)
                        ? new MockResponse()
                                .setResponseCode(403)
                                .setBody(
                                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                                                + "\"message\":\"forbidden by the Role\",\"code\":403}")
                        : store.dispatch(request);
            case SLOW, SLOW_ANSWERS -> store.dispatch(request).setBodyDelay(slowMs, TimeUnit.MILLISECONDS);
            case SILENT_WATCHES -> store.dispatch(request);
        };
    }

    /** A watch whose events go out through {@link LateSocket}; everything else is passed on as it is. */
    private final class LateEvents extends WebSocketListener {

        private final WebSocketListener listener;
        private LateSocket socket;

        LateEvents(WebSocketListener listener) {
            this.listener = listener;
        }

        private synchronized WebSocket late(WebSocket webSocket) {
            if (socket == null) {
                socket = new LateSocket(webSocket);
            }
            return socket;
        }

        @Override
        public void onBeforeAccept(WebSocket webSocket, Response response) {
            listener.onBeforeAccept(late(webSocket), response);
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            listener.onOpen(late(webSocket), response);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            listener.onMessage(late(webSocket), text);
        }

        @Override
        public void onMessage(WebSocket webSocket, ByteString bytes) {
            listener.onMessage(late(webSocket), bytes);
        }

        @Override
        public void onMessage(WebSocket webSocket, byte[] bytes) {
            listener.onMessage(late(webSocket), bytes);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            listener.onClosing(late(webSocket), code, reason);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            listener.onClosed(late(webSocket), code, reason);
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            listener.onFailure(late(webSocket), t, response);
        }
    }

    /**
     * Sends a watch's events {@link #slowMs} late while the switch is {@link Mode#SLOW}, in order; otherwise at once
     * (as without it) once the late ones are out.
     */
    private final class LateSocket implements WebSocket {

        private final WebSocket socket;
        private long lastDueNanos;
        private int pending;

        LateSocket(WebSocket socket) {
            this.socket = socket;
        }

        @Override
        public RecordedRequest request() {
            return socket.request();
        }

        @Override
        public boolean send(String text) {
            return later(() -> socket.send(text));
        }

        @Override
        public boolean send(byte[] bytes) {
            return later(() -> socket.send(bytes));
        }

        @Override
        public boolean close(int code, String reason) {
            return socket.close(code, reason);
        }

        private synchronized boolean later(BooleanSupplier send) {
            if (mode == Mode.SILENT_WATCHES) {
                return true; // "sent", as a connection that has silently stopped passing anything would say
            }
            long delayNanos = mode == Mode.SLOW ? TimeUnit.MILLISECONDS.toNanos(slowMs) : 0;
            if (delayNanos == 0 && pending == 0) {
                return send.getAsBoolean();
            }
            long now = System.nanoTime();
            lastDueNanos = Math.max(now + delayNanos, lastDueNanos);
            pending++;
            LATER.schedule(
                    () -> {
                        try {
                            send.getAsBoolean();
                        } catch (RuntimeException e) {
                            // the watch was closed meanwhile
                        } finally {
                            synchronized (this) {
                                pending--;
                            }
                        }
                    },
                    lastDueNanos - now,
                    TimeUnit.NANOSECONDS);
            return true;
        }
    }

    private static boolean isWatchOrLeaseList(RecordedRequest request) {
        String path = request.getPath().split("\\?")[0];
        return request.getMethod().equals("GET")
                && (request.getPath().contains("watch=true") || path.endsWith("/leases"));
    }
}
