package io.k8sensus.chaos;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The suite's verdict: a scenario that could not run is not a pass unless the user said it may be skipped. */
class FaultInjectionSuiteTest {

    private static final Scenario CLOCK_OFFSET = Scenario.all(FaultInjectionSuite.TIMINGS).stream()
            .filter(s -> s.name().equals("clock-offset")).findFirst().orElseThrow();
    private static final Scenario STEADY = Scenario.all(FaultInjectionSuite.TIMINGS).get(0);

    private static final ChaosRun.Result PASSED = new ChaosRun.Result(STEADY,
            new History.Verdict(-1, 0, 0, 500, 1, 0, -1), true, null, "replica-1");
    private static final ChaosRun.Result SKIPPED = new ChaosRun.Result(CLOCK_OFFSET, null, false,
            "faketime is not installed (apt-get install faketime)", null);
    private static final ChaosRun.Result FAILED = new ChaosRun.Result(STEADY,
            new History.Verdict(-1, 1, 0, 500, 2, 0, 300), false, null, "replica-1");

    @Test
    void a_skipped_scenario_fails_the_run_unless_skipping_is_allowed() {
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED, SKIPPED), false)).isEqualTo(1);
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED, SKIPPED), true)).isZero();
    }

    @Test
    void a_failed_scenario_fails_the_run_whatever_is_allowed() {
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED, FAILED), true)).isEqualTo(1);
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED), false)).isZero();
    }
}
