package io.k8sensus.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups besides "heartbeat", each with a leader-only route of its own in a routes directory (k8sensus) or an
 * elector of its own (client-go), for the cost of many groups.
 */
record ExtraGroups(List<String> names, Path routesDir) {

    static final ExtraGroups NONE = new ExtraGroups(List.of(), null);

    static ExtraGroups create(int count, long periodMs) throws java.io.IOException {
        if (count == 0) {
            return NONE;
        }
        Path dir = Files.createTempDirectory("k8sensus-bench-routes");
        dir.toFile().deleteOnExit();
        List<String> names = new ArrayList<>();
        for (int i = 2; i < count + 2; i++) {
            String group = "g" + i;
            names.add(group);
            Path file = dir.resolve(group + ".camel.yaml");
            Files.writeString(file, String.join("\n",
                    "- route:",
                    "    id: \"leader-" + group + "\"",
                    "    from:",
                    "      uri: \"master:" + group + ":timer:" + group + "\"",
                    "      parameters:",
                    "        period: \"" + periodMs + "\"",
                    "        delay: \"0\"",
                    "        includeMetadata: \"true\"",
                    "      steps:",
                    "        - log:",
                    "            message: \"leader heartbeat group=${header.K8sensusGroup}"
                    + " leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch}"
                    + " seq=${header.CamelTimerCounter}\"",
                    ""));
            file.toFile().deleteOnExit();
        }
        return new ExtraGroups(names, dir);
    }

    List<String> leases() {
        return names.stream().map(g -> "k8sensus-" + g).toList();
    }

    List<String> settings() {
        if (names.isEmpty()) {
            return List.of();
        }
        return List.of("-Dk8sensus.election.groups=heartbeat," + String.join(",", names),
                "-Dk8sensus.routes.dir=" + routesDir.toAbsolutePath());
    }
}
