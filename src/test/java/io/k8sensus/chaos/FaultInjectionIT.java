package io.k8sensus.chaos;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The short form of the fault-injection suite, with real processes of the packaged jar. */
class FaultInjectionIT {

    @Test
    void no_two_leaders_act_at_once_and_takeover_stays_within_its_bound() throws Exception {
        List<ChaosRun.Result> results = FaultInjectionSuite.run(Path.of("target", "k8sensus.jar"),
                List.of("sigterm", "kill9-pod-ready", "blackhole", "sigstop-long", "lease-deleted", "slow-api",
                        "graceful-stop-in-flight"));
        System.out.println(FaultInjectionSuite.table(results));
        assertThat(results).hasSize(7).allSatisfy(r -> assertThat(r.passed())
                .as(r.scenario().name() + ": " + FaultInjectionSuite.line(r)).isTrue());
    }
}
