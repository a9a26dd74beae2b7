package io.k8sensus;

import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.kube.RootCause;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a failed start into one log line that says what to fix. A configuration mistake (a bad setting, a route file
 * that does not parse) is the operator's to fix and is shown without a stack trace; anything else is a defect and keeps
 * its stack trace at DEBUG.
 */
final class StartupFailure {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus");

    private StartupFailure() {}

    static void report(Throwable failure) {
        LOG.error("k8sensus cannot start: {}", describe(failure));
        LOG.debug("Start-up failure", failure);
    }

    /** What went wrong, in one line. */
    static String describe(Throwable failure) {
        String reason = RouteFileErrors.explain(failure);
        if (reason != null) {
            return reason;
        }
        InvalidSettingsException invalid = RootCause.find(failure, InvalidSettingsException.class);
        return invalid != null ? invalid.getMessage() : RootCause.describe(failure);
    }
}
