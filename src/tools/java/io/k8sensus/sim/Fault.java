package io.k8sensus.sim;

/**
 * One fault of a schedule: what happens, to which replica (an index; -1 for all or none), from when, for how long (in
 * virtual milliseconds). Drawn from the schedule's seed by {@link Schedule}.
 */
record Fault(Kind kind, int replica, long atMs, long forMs, long param, int group) {

    /** A fault of the first group's Lease (or of a replica, whatever its groups). */
    Fault(Kind kind, int replica, long atMs, long forMs, long param) {
        this(kind, replica, atMs, forMs, param, 0);
    }

    enum Kind {
        /** The process stops (SIGSTOP); its monotonic clock keeps counting. */
        PAUSE,
        /** kill -9; restarted under the same name after {@code forMs}; {@code param} 1: its Pod is deleted meanwhile. */
        CRASH,
        /** SIGTERM: the leader stops its work and releases; restarted after {@code forMs}. */
        GRACEFUL_STOP,
        /** A second process under the same name starts; the first one dies after {@code forMs}. */
        TWIN,
        /** Every answer to the replica (or to all) comes {@code param} ms late, up to and past the call timeout. */
        SLOW_API,
        /** Connections of the replica (or of all) are refused. */
        API_DOWN,
        /** Requests of the replica vanish: nothing applied, nothing answered. */
        BLACKHOLE,
        /** Writes of the replica are applied, but their answers are lost. */
        LOST_ANSWERS,
        /** Watch events reach the replica up to {@code param} ms late, or twice. */
        WATCH_LAG,
        /** The replica's watches break; it re-lists when they come back. */
        WATCH_DOWN,
        /** Someone deletes the Lease. */
        LEASE_DELETED,
        /** Someone sets the Lease's holder to another name ({@code param}: a replica's index, or -1 for a stranger). */
        FOREIGN_HOLDER,
        /**
         * Someone touches the Lease's metadata every {@code param} ms from then on, past the end of the faults (a
         * controller that annotates it): it must not postpone a takeover.
         */
        METADATA_TOUCH,
        /**
         * Someone sets the Lease's {@code spec.leaseDurationSeconds} to {@code param} ms (kubectl edit lease), shortened
         * to 1 s or lengthened a lot; nothing else changes.
         */
        DURATION_EDIT,
        /**
         * Someone writes a whole spec of their own (kubectl replace): the holder and epoch as they are, new acquire and
         * renew times, a lease duration of {@code param} ms; a term that nobody acquired.
         */
        SPEC_EDIT,
        /** The replica's Pod is NotReady; with {@code param} 1, deleted and re-created after {@code forMs}. */
        POD_NOT_READY,
        /**
         * Someone restores the Lease from a backup: the record it had {@code param} writes ago (an older holder, a lower
         * epoch, old times), under a new resourceVersion.
         */
        LEASE_RESTORED,
        /** The replica's Pod watch stays up but delivers nothing (a stuck informer); it reads around it by listing. */
        SILENT_POD_WATCH,
        /** The replica's election listeners take {@code param} ms to hear each change (a slow route policy). */
        SLOW_LISTENER,
        /**
         * An operator asks the holder of group {@code group} to step down (k8sensus.io/step-down on its Lease); with
         * {@code param} 1 the request is withdrawn after {@code forMs}, else it stands until the holder's term ends.
         */
        STEP_DOWN,
        /** The replica's route file of group {@code group} is removed (a reload): it stops running the group. */
        GROUP_REMOVED,
        /** A route file of group {@code group} reaches the replica (a reload): it starts running the group. */
        GROUP_ADDED
    }

    long untilMs() {
        return atMs + forMs;
    }

    @Override
    public String toString() {
        return kind + (replica >= 0 ? " r" + replica : "") + (group > 0 ? " g" + group : "") + " at " + atMs
                + " ms for " + forMs + " ms" + (param != 0 ? " (" + param + ")" : "");
    }
}
