package io.k8sensus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The local launcher as a user runs it: 3 replica processes of the packaged jar, one leader killed with kill -9, a
 * bounded run that ends by itself. Everything is asserted from what it prints.
 */
class LocalClusterIT {

    private static final Pattern FIRING = Pattern.compile("\\[(replica-\\d+)] leader heartbeat .*epoch=(\\d+)");
    private static final Pattern STARTED = Pattern.compile("started (replica-\\d+) \\(pid (\\d+)\\)");
    private static final Pattern API = Pattern.compile("embedded Kubernetes API on http://[^:]+:(\\d+)/");

    @Test
    void three_replicas_one_leader_at_a_time_a_takeover_after_a_kill_and_a_clean_exit() throws Exception {
        Process launcher = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-cp",
                        System.getProperty("java.class.path"),
                        LocalCluster.class.getName(),
                        "--replicas",
                        "3",
                        "--duration",
                        "40",
                        "--kill-leader-every",
                        "18")
                .redirectErrorStream(true)
                .start();
        assertThat(launcher.waitFor(120, TimeUnit.SECONDS))
                .as("launcher stops by itself")
                .isTrue();
        String output = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(output);

        assertThat(launcher.exitValue()).as("exit code").isZero();

        // one leader at a time: the leader-only firings form runs, and no replica comes back after another acted
        List<String> runs = new ArrayList<>();
        List<Long> epochs = new ArrayList<>();
        Matcher firing = FIRING.matcher(output);
        while (firing.find()) {
            if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(firing.group(1))) {
                runs.add(firing.group(1));
                epochs.add(Long.parseLong(firing.group(2)));
            }
        }
        assertThat(runs).as("leader runs").hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates();
        assertThat(epochs).as("epochs of successive leaders").isSorted().doesNotHaveDuplicates();

        Matcher kill = Pattern.compile("kill -9 (replica-\\d+) \\(the leader").matcher(output);
        assertThat(kill.find()).as("a leader was killed").isTrue();
        assertThat(runs.get(0)).isEqualTo(kill.group(1));
        assertThat(output)
                .containsPattern("takeover: " + Pattern.quote(runs.get(1)) + " acted [0-9.]+ s after "
                        + Pattern.quote(kill.group(1)) + " was killed");

        // nothing left running, nothing left bound
        Matcher started = STARTED.matcher(output);
        while (started.find()) {
            long pid = Long.parseLong(started.group(2));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        }
        Matcher api = API.matcher(output);
        assertThat(api.find()).isTrue();
        assertThat(EmbeddedKubernetesApi.portIsFree(Integer.parseInt(api.group(1))))
                .as("API port released")
                .isTrue();
    }
}
