package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k8sensus.cli.CommandLine;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The suite's verdicts: a scenario that could not run is not a pass unless the user said it may be skipped; a stale
 * action passes only within the scenario's allowance and, where a fence runs, only if the fence refused it.
 */
class FaultInjectionSuiteTest {

    private static final Scenario CLOCK_OFFSET = Scenario.all(FaultInjectionSuite.TIMINGS).stream()
            .filter(s -> s.name().equals("clock-offset"))
            .findFirst()
            .orElseThrow();
    private static final Scenario STEADY =
            Scenario.all(FaultInjectionSuite.TIMINGS).get(0);
    private static final Scenario SIGSTOP_LONG = Scenario.all(FaultInjectionSuite.TIMINGS).stream()
            .filter(s -> s.name().equals("sigstop-long"))
            .findFirst()
            .orElseThrow();

    private static final ChaosRun.Result PASSED = new ChaosRun.Result(
            STEADY, new History.Verdict(-1, 0, 0, 0, 0, 500, 1, 0, -1), true, null, "replica-1", "");
    private static final ChaosRun.Result SKIPPED = new ChaosRun.Result(
            CLOCK_OFFSET, null, false, "faketime is not installed (apt-get install faketime)", null, null);
    private static final ChaosRun.Result FAILED = new ChaosRun.Result(
            STEADY, new History.Verdict(-1, 1, 0, 0, 0, 500, 2, 0, 300), false, null, "replica-1", "");

    @Test
    void the_list_names_every_scenario_that_only_takes_and_only_refuses_any_other_name() {
        List<String> names = Scenario.all(FaultInjectionSuite.TIMINGS).stream()
                .map(Scenario::name)
                .toList();
        assertThat(FaultInjectionSuite.list().lines().map(l -> l.split(" ")[0])).containsExactlyElementsOf(names);
        assertThat(FaultInjectionSuite.known("sigterm,api-down")).containsExactly("sigterm", "api-down");
        assertThat(FaultInjectionSuite.known(null))
                .as("no --only: every scenario")
                .isNull();
        assertThatThrownBy(() -> FaultInjectionSuite.known("sigterm,sigtrem"))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessage("no such scenario: sigtrem (make chaos ARGS=\"--list\" lists them)");
    }

    @Test
    void a_skipped_scenario_fails_the_run_unless_skipping_is_allowed() {
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED, SKIPPED), false))
                .isEqualTo(1);
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED, SKIPPED), true)).isZero();
    }

    @Test
    void a_failed_scenario_fails_the_run_whatever_is_allowed() {
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED, FAILED), true)).isEqualTo(1);
        assertThat(FaultInjectionSuite.exitCode(List.of(PASSED), false)).isZero();
    }

    /** A takeover within the bound, with the given stale actions, fence refusals and stale actions let through. */
    private static History.Verdict afterPause(int stale, int refused, int accepted) {
        return new History.Verdict(3000, 0, stale, refused, accepted, 600, 2, 0, -1);
    }

    @Test
    void a_woken_leaders_action_passes_only_if_the_fence_refused_it() {
        assertThat(SIGSTOP_LONG.setup().fenced()).isTrue();
        assertThat(ChaosRun.passes(SIGSTOP_LONG, afterPause(0, 0, 0)))
                .as("the woken leader did not act")
                .isTrue();
        assertThat(ChaosRun.passes(SIGSTOP_LONG, afterPause(1, 1, 0)))
                .as("it acted once, refused")
                .isTrue();
        assertThat(ChaosRun.passes(SIGSTOP_LONG, afterPause(1, 2, 0)))
                .as("and an action begun before the pause, sent after it, refused too")
                .isTrue();
        assertThat(ChaosRun.passes(SIGSTOP_LONG, afterPause(1, 0, 0)))
                .as("acted, nothing refused it")
                .isFalse();
        assertThat(ChaosRun.passes(SIGSTOP_LONG, afterPause(1, 0, 1)))
                .as("acted, let through")
                .isFalse();
        assertThat(ChaosRun.passes(
                        SIGSTOP_LONG, afterPause(SIGSTOP_LONG.staleAllowed() + 1, SIGSTOP_LONG.staleAllowed() + 1, 0)))
                .as("more stale actions than the scenario allows")
                .isFalse();
    }

    private static Scenario named(String name) {
        return Scenario.all(FaultInjectionSuite.TIMINGS).stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** A slow period of 150 expected actions, with the given actions, new terms and time with two acting. */
    private static ChaosRun.HeldReading held(int actions, int newTerms, long twoActorsMs) {
        return new ChaosRun.HeldReading(new History.Window(actions, newTerms, twoActorsMs, 0), 150);
    }

    @Test
    void a_slow_api_at_half_the_renew_deadline_passes_only_with_the_same_leader_and_95_percent_of_the_actions() {
        Scenario half = named("slow-answers-r2");
        History.Verdict sameLeader = new History.Verdict(-1, 0, 0, 0, 0, 900, 1, 0, -1);
        History.Verdict newLeader = new History.Verdict(2500, 0, 0, 0, 0, 900, 2, 0, -1);
        assertThat(ChaosRun.passes(half, sameLeader, held(143, 0, -1))).isTrue();
        assertThat(ChaosRun.passes(half, sameLeader, held(142, 0, -1)))
                .as("under 95 %")
                .isFalse();
        assertThat(ChaosRun.passes(half, newLeader, held(150, 1, -1)))
                .as("a leader change")
                .isFalse();
        assertThat(ChaosRun.passes(half, sameLeader, null))
                .as("nothing read while held")
                .isFalse();
        assertThat(ChaosRun.passes(half, new History.Verdict(-1, 0, 0, 0, 0, 900, 1, 0, 0), held(150, 0, 0)))
                .as("two acting at once")
                .isFalse();
    }

    @Test
    void a_slow_api_at_three_quarters_needs_two_thirds_and_at_the_renew_deadline_only_never_two_acting() {
        Scenario threeQuarters = named("slow-answers-3r4");
        History.Verdict sameLeader = new History.Verdict(-1, 0, 0, 0, 0, 900, 1, 0, -1);
        assertThat(ChaosRun.passes(threeQuarters, sameLeader, held(100, 0, -1))).isTrue();
        assertThat(ChaosRun.passes(threeQuarters, sameLeader, held(99, 0, -1))).isFalse();
        Scenario full = named("slow-answers-r");
        assertThat(ChaosRun.passes(full, new History.Verdict(3500, 0, 0, 0, 0, 6000, 3, 0, -1), held(20, 2, -1)))
                .as("leader changes and few actions are allowed")
                .isTrue();
        assertThat(ChaosRun.passes(full, new History.Verdict(3500, 0, 0, 0, 0, 6000, 3, 0, 120), held(20, 2, 120)))
                .as("two acting at once")
                .isFalse();
        assertThat(ChaosRun.passes(full, new History.Verdict(3500, 0, 1, 0, 0, 6000, 3, 0, -1), held(20, 2, -1)))
                .as("a stale action")
                .isFalse();
    }

    @Test
    void without_a_fence_no_stale_action_and_no_two_terms_at_once_pass() {
        History.Verdict quiet = new History.Verdict(-1, 0, 0, 0, 0, 500, 1, 0, -1);
        assertThat(ChaosRun.passes(STEADY, quiet)).isTrue();
        assertThat(ChaosRun.passes(STEADY, new History.Verdict(-1, 0, 1, 0, 0, 500, 1, 0, -1)))
                .isFalse();
        assertThat(ChaosRun.passes(STEADY, new History.Verdict(-1, 0, 0, 0, 0, 500, 1, 0, 0)))
                .isFalse();
        assertThat(ChaosRun.passes(STEADY, new History.Verdict(-1, 0, 0, 0, 0, 500, 1, 1, -1)))
                .isFalse();
    }
}
