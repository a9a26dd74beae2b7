package io.k8sensus.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups besides "heartbeat", each with a leader-only route of its own in a routes directory (k8sensus's in
 * {@code routesDir}, the plain Camel application's in {@code stockRoutesDir}) or an elector of its own (client-go), for
 * the cost of many groups.
 */
record ExtraGroups(List<String> names, Path routesDir, Path stockRoutesDir) {

    static final ExtraGroups NONE = new ExtraGroups(List.of(), null, null);

    static ExtraGroups create(int count, long periodMs) throws IOException {
        if (count == 0) {
            return NONE;
        }
        Path dir = Files.createTempDirectory("k8sensus-bench-routes");
        Path stockDir = Files.createTempDirectory("stock-camel-bench-routes");
        dir.toFile().deleteOnExit();
        stockDir.toFile().deleteOnExit();
        List<String> names = new ArrayList<>();
        for (int i = 2; i < count + 2; i++) {
            String group = "g" + i;
            names.add(group);
            write(
                    dir.resolve(group + ".camel.yaml"),
                    route(
                            group,
                            periodMs,
                            List.of(),
                            "group=${header.K8sensusGroup} leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch}"));
            // the plain Camel application's: the epoch as its own heartbeat reads it (stock-camel/routes/)
            write(
                    stockDir.resolve(group + ".camel.yaml"),
                    route(
                            group,
                            periodMs,
                            List.of(
                                    "        - setHeader:",
                                    "            name: \"LeaseEpoch\"",
                                    "            method:",
                                    "              ref: \"leaseTerm\"",
                                    "              method: \"epoch('" + group + "', ${header.CamelTimerCounter})\""),
                            "group=" + group + " leader=${bean:leaseTerm?method=identity} epoch=${header.LeaseEpoch}"));
        }
        return new ExtraGroups(names, dir, stockDir);
    }

    private static List<String> route(String group, long periodMs, List<String> firstSteps, String fields) {
        List<String> lines = new ArrayList<>(List.of(
                "- route:",
                "    id: \"leader-" + group + "\"",
                "    from:",
                "      uri: \"master:" + group + ":timer:" + group + "\"",
                "      parameters:",
                "        period: \"" + periodMs + "\"",
                "        delay: \"0\"",
                "        includeMetadata: \"true\"",
                "      steps:"));
        lines.addAll(firstSteps);
        lines.addAll(List.of(
                "        - log:",
                "            message: \"leader heartbeat " + fields + " seq=${header.CamelTimerCounter}\"",
                ""));
        return lines;
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Files.writeString(file, String.join("\n", lines));
        file.toFile().deleteOnExit();
    }

    List<String> leases() {
        return names.stream().map(g -> "k8sensus-" + g).toList();
    }

    /** The settings of k8sensus's replicas: the groups and the directory of their routes. */
    List<String> settings() {
        if (names.isEmpty()) {
            return List.of();
        }
        return List.of(
                "-Dk8sensus.election.groups=heartbeat," + String.join(",", names),
                "-Dk8sensus.routes.dir=" + routesDir.toAbsolutePath());
    }

    /** The settings of the plain Camel application's replicas: its own routes, then those of the groups. */
    List<String> stockSettings() {
        if (names.isEmpty()) {
            return List.of();
        }
        return List.of("-Dcamel.main.routes-include-pattern=classpath:stock-camel/routes/*.camel.yaml,file:"
                + stockRoutesDir.toAbsolutePath() + "/*.camel.yaml");
    }
}
