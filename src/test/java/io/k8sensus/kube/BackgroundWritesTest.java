package io.k8sensus.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The writer of Events and labels: in order, bounded, and a thread only while it has something to write. */
class BackgroundWritesTest {

    @Test
    void writesInOrderAndHoldsNoThreadWhenIdle() {
        BackgroundWrites writes = new BackgroundWrites("test-writes", 8, 50);
        List<Integer> written = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            assertThat(writes.submit(() -> written.add(n))).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> written.size() == 5);
        assertThat(written).containsExactly(0, 1, 2, 3, 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> !writes.threadAlive());

        // a write after the thread went away starts a new one
        assertThat(writes.submit(() -> written.add(5))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> written.size() == 6);
        writes.close(1000);
    }

    @Test
    void refusesWhatExceedsItsQueueAndAfterClose() throws InterruptedException {
        BackgroundWrites writes = new BackgroundWrites("test-writes", 2, 50);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        assertThat(writes.submit(() -> {
                    blocked.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }))
                .isTrue();
        blocked.await();
        assertThat(writes.submit(() -> {})).isTrue();
        assertThat(writes.submit(() -> {})).isTrue();
        assertThat(writes.submit(() -> {})).as("a third waiting write").isFalse();
        release.countDown();
        writes.close(1000);
        assertThat(writes.submit(() -> {})).as("a write after close").isFalse();
    }
}
