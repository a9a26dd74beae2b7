package io.k8sensus.elector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a driver reads from the elector's small parts: the retry period with its jitter, which requests write the
 * Lease (a 404 means something else for a read), and the clock the application passes in.
 */
class DriverContractTest {

    @Test
    void a_retry_period_with_jitter_lies_between_the_period_and_the_period_times_the_jitter() {
        Timings timings = new Timings(15_000, 10_000, 2000, 1.2);
        assertThat(timings.retryNanos(0)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(2000));
        assertThat(timings.retryNanos(0.5)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(2200));
        assertThat(timings.maxRetryNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(2400));
    }

    @Test
    void every_request_but_a_read_writes_the_lease() {
        LeaseRecord term = new LeaseRecord("a", 1, "acq", "ren", 15_000, "7");
        assertThat(new LeaseRequest.Read().writes()).isFalse();
        for (LeaseRequest write : List.of(
                new LeaseRequest.Create("a", 0, 15),
                new LeaseRequest.Restore(term),
                new LeaseRequest.RaiseEpoch(term, 2),
                new LeaseRequest.Acquire("7", "a", 2, 15),
                new LeaseRequest.Renew(term),
                new LeaseRequest.Release(term))) {
            assertThat(write.writes()).as(write.toString()).isTrue();
        }
    }

    @Test
    void the_system_clock_is_the_jvms_monotonic_clock() {
        long before = System.nanoTime();
        long read = Clock.system().nanos();
        long after = System.nanoTime();
        assertThat(read).isBetween(before, after);
    }
}
