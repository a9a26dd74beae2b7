package io.k8sensus.elector;

import java.util.concurrent.TimeUnit;

/**
 * The election's timings, in milliseconds, as one replica has them configured.
 *
 * @param leaseDurationMs how long a holder's claim lasts without a change of the Lease, as the others measure it
 * @param renewDeadlineMs how long a leader acts after sending its last successful write; below the lease duration
 * @param retryPeriodMs   time between two renewals of the leader, and between two looks of a follower
 * @param jitter          random factor (>= 1) on the retry period
 */
public record Timings(long leaseDurationMs, long renewDeadlineMs, long retryPeriodMs, double jitter) {

    public long leaseDurationNanos() {
        return TimeUnit.MILLISECONDS.toNanos(leaseDurationMs);
    }

    public long renewDeadlineNanos() {
        return TimeUnit.MILLISECONDS.toNanos(renewDeadlineMs);
    }

    /** A retry period with jitter, for a draw in [0, 1). */
    public long retryNanos(double draw) {
        return (long) (TimeUnit.MILLISECONDS.toNanos(retryPeriodMs) * (1 + draw * (jitter - 1)));
    }

    /** The longest retry period with jitter. */
    public long maxRetryNanos() {
        return retryNanos(1.0);
    }

    /**
     * The lease duration written in the Lease ({@code spec.leaseDurationSeconds}): whole seconds, rounded up, so that
     * the others never wait less than this replica's lease duration.
     */
    public int leaseDurationSeconds() {
        return (int) Math.max(1, (leaseDurationMs + 999) / 1000);
    }
}
