package io.k8sensus.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A program outside the JVM that a test runs. Where it is missing, the test is reported as skipped with the reason;
 * in CI ({@code CI=true}), where .ci/run installs it, a missing tool fails the test and says what to install, so that
 * a check cannot silently stop running there.
 */
public final class ExternalTool {

    /** Prometheus's command-line tool, from Debian's {@code prometheus} package. */
    public static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private ExternalTool() {}

    /** Skips the calling test (fails it in CI) unless promtool is installed. */
    public static void requirePromtool() {
        require(
                Files.isExecutable(PROMTOOL),
                "promtool (" + PROMTOOL + ") is not installed: install Debian's"
                        + " package prometheus (apt-get install prometheus)");
    }

    /** Skips the calling test (fails it in CI) unless kubectl runs here. */
    public static void requireKubectl() {
        require(
                Kustomize.available(),
                "kubectl is not installed: install a kubectl whose kustomize renders" + " components (1.21 or later)");
    }

    static void require(boolean present, String missing) {
        require(present, missing, System.getenv("CI"));
    }

    /** A missing tool skips the test, or fails it where {@code ci} (the variable CI) is "true". */
    static void require(boolean present, String missing, String ci) {
        if (present) {
            return;
        }
        if ("true".equals(ci)) {
            Assertions.fail(missing + "; CI must run this check");
        }
        Assumptions.abort(missing + "; not checked");
    }
}
