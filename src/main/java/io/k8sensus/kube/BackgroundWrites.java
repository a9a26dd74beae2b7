package io.k8sensus.kube;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * Writes to the API server that the election must never wait for (Events, the leader label): one daemon thread of
 * their own, in order, at most {@code capacity} waiting. The thread lives only while there is something to write and
 * {@value #IDLE_SECONDS} s after: these writes come at a change of leader, and an idle thread holds its stack.
 */
final class BackgroundWrites {

    static final long IDLE_SECONDS = 5;

    private final ThreadPoolExecutor writer;

    BackgroundWrites(String threadName, int capacity) {
        this(threadName, capacity, TimeUnit.SECONDS.toMillis(IDLE_SECONDS));
    }

    BackgroundWrites(String threadName, int capacity, long idleMs) {
        writer = new ThreadPoolExecutor(
                1,
                1,
                idleMs,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(capacity),
                new CamelThreadFactory("#name#", threadName, true));
        writer.allowCoreThreadTimeOut(true);
    }

    /** Whether the writer's thread is alive now. */
    boolean threadAlive() {
        return writer.getPoolSize() > 0;
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
