package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8sensus.testing.ReadmeFirstRoute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The leader-only timers that k8s/ deploys (the shipped routes and k8s/routes/) and the README's first route tick as
 * soon as their replica leads ({@code delay: "0"}): Camel's timer waits {@code delay}, 1000 ms by default, before its
 * first tick, which would add a second to every takeover they show.
 */
class LeaderOnlyTimersTest {

    /** Each leader-only timer route's {@code from:} (its uri and parameters), by file and route id. */
    private static Map<String, Map<?, ?>> leaderOnlyTimers(String where, String yaml) {
        Map<String, Map<?, ?>> timers = new LinkedHashMap<>();
        for (Object item : (List<?>) new Load(LoadSettings.builder().build()).loadFromString(yaml)) {
            if (item instanceof Map<?, ?> entry
                    && entry.get("route") instanceof Map<?, ?> route
                    && route.get("from") instanceof Map<?, ?> from
                    && String.valueOf(from.get("uri")).matches("master:[^:]+:timer:.*")) {
                timers.put(where + " " + route.get("id"), from);
            }
        }
        return timers;
    }

    @Test
    void every_leader_only_timer_deployed_or_shown_first_ticks_as_soon_as_it_leads() throws Exception {
        Map<String, Map<?, ?>> timers = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Path.of("src", "main", "resources", "routes"), Path.of("k8s", "routes"))) {
            try (Stream<Path> found = Files.list(dir)) {
                found.filter(p -> p.toString().endsWith(RouteFile.SUFFIX))
                        .sorted()
                        .forEach(files::add);
            }
        }
        for (Path file : files) {
            timers.putAll(leaderOnlyTimers(file.toString(), Files.readString(file)));
        }
        timers.putAll(leaderOnlyTimers("README.md", ReadmeFirstRoute.text()));

        assertThat(timers)
                .containsKeys(
                        "src/main/resources/routes/leader-heartbeat.camel.yaml leader-heartbeat",
                        "k8s/routes/leader-job.camel.yaml leader-job",
                        "README.md hello");
        assertThat(timers)
                .allSatisfy((route, from) -> assertThat(
                                from.get("parameters") instanceof Map<?, ?> p ? p.get("delay") : null)
                        .as(route + ": delay")
                        .isEqualTo("0"));
    }
}
