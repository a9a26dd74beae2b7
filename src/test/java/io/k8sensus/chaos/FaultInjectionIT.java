package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The short form of the fault-injection suite, with real processes of the packaged jar. */
class FaultInjectionIT {

    private static final Path JAR = Path.of("target", "k8sensus.jar");

    @Test
    void no_two_leaders_act_at_once_and_takeover_stays_within_its_bound() throws Exception {
        assertAllPass(
                FaultInjectionSuite.run(
                        JAR,
                        List.of(
                                "sigterm",
                                "kill9-pod-ready",
                                "blackhole",
                                "sigstop-long",
                                "lease-deleted",
                                "slow-api",
                                "graceful-stop-in-flight",
                                "not-ready-in-flight",
                                "lease-duration-edit",
                                "blocking-stop")),
                10);
    }

    /**
     * A follower whose wall clock runs ahead and fast, from start-up on. It needs libfaketime: .ci/run installs it
     * (Debian's faketime), and in CI (CI=true) a missing one fails the test; elsewhere the test is skipped, and says
     * why.
     */
    @Test
    void a_follower_with_a_skewed_wall_clock_never_acts_beside_the_leader() throws Exception {
        assumeTrue(
                Files.exists(ChaosRun.LIBFAKETIME) || "true".equals(System.getenv("CI")),
                "clock-offset needs libfaketime: apt-get install faketime");
        assertAllPass(FaultInjectionSuite.run(JAR, List.of("clock-offset")), 1);
    }

    private static void assertAllPass(List<ChaosRun.Result> results, int count) {
        System.out.println(FaultInjectionSuite.table(results));
        // a skipped scenario is not a pass
        assertThat(results)
                .hasSize(count)
                .allSatisfy(r -> assertThat(r.passed())
                        .as(r.scenario().name() + ": " + FaultInjectionSuite.line(r))
                        .isTrue());
    }
}
