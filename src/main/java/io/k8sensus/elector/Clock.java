package io.k8sensus.elector;

/**
 * A monotonic clock in nanoseconds, as {@link System#nanoTime()} gives it. The elector never reads a clock itself:
 * whoever drives it passes the time in, from this clock in the application and from a virtual one in the tests and the
 * simulation. Only differences between two readings of one clock mean anything.
 */
@FunctionalInterface
public interface Clock {

    long nanos();

    static Clock system() {
        return System::nanoTime;
    }
}
