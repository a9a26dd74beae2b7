package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The short form of the fault-injection suite, with real processes of the packaged jar. Its three tests run at the same
 * time, each scenario on an embedded API and replicas of its own: the faults to the leader's process, those between
 * it and the API server, and the skewed clock.
 */
@Execution(ExecutionMode.CONCURRENT)
class FaultInjectionIT {

    private static final Path JAR = Path.of("target", "k8sensus.jar");

    @Test
    void under_faults_to_the_leaders_process_no_two_leaders_act_at_once_and_takeover_stays_within_its_bound()
            throws Exception {
        List<String> scenarios =
                List.of("sigterm", "kill9-pod-ready", "sigstop-long", "graceful-stop-in-flight", "not-ready-in-flight");
        assertAllPass(FaultInjectionSuite.run(JAR, scenarios), scenarios.size());
    }

    @Test
    void under_faults_between_the_leader_and_the_api_no_two_leaders_act_at_once_and_takeover_stays_within_its_bound()
            throws Exception {
        List<String> scenarios =
                List.of("blackhole", "lease-deleted", "slow-api", "lease-duration-edit", "blocking-stop");
        assertAllPass(FaultInjectionSuite.run(JAR, scenarios), scenarios.size());
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
