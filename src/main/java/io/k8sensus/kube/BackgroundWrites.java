package io.k8sensus.kube;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes to the API server that the election must never wait for (Events, the leader label): one daemon thread of
 * their own, in order, at most {@code capacity} waiting.
 */
final class BackgroundWrites {

    private final ThreadPoolExecutor writer;

    BackgroundWrites(String threadName, int capacity) {
        writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a write; false if {@code capacity} already wait (or this is closed): the caller says what it dropped. */
    boolean submit(Runnable write) {
        try {
            writer.execute(write);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Takes no more; what waits is written first, for at most {@code waitMs}. */
    void close(long waitMs) {
        writer.shutdown();
        try {
            writer.awaitTermination(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
