package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.testing.ConfigMapVolume;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.LeaseHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reload on real replica processes ({@code k8sensus.routes.reload=true}): a route file changed, broken, removed
 * and added while two replicas run, in a plain directory (as {@code make run --routes} edits it) and in a directory
 * laid out and swapped as the kubelet does a ConfigMap volume. Each reload keeps the group's Lease with its holder,
 * with the same epoch, and leaves the routes of other files running.
 */
class RouteReloadIT {

    private static final Path JAR = Path.of("target", "k8sensus.jar");

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final List<ReplicaProcess> replicas = new ArrayList<>();

    @TempDir
    Path routes;

    @AfterEach
    void stop() {
        replicas.forEach(r -> r.stop(10));
        api.close();
    }

    private static String hello(String version) {
        return """
                - route:
                    id: "hello"
                    from:
                      uri: "master:heartbeat:timer:hello"
                      parameters:
                        period: "300"
                        delay: "0"
                      steps:
                        - log: "hello %s epoch=${header.K8sensusEpoch}"
                """.formatted(version);
    }

    private static final String OTHER = """
            - route:
                id: "other"
                from:
                  uri: "master:jobs:timer:other"
                  parameters:
                    period: "300"
                  steps:
                    - log: "other tick"
            """;

    private static final String BROKEN = """
            - route:
                id: "hello"
                from:
                  uri: "master:heartbeat:timer:hello"
                  steps:
                    - lgo: "typo"
            """;

    @Test
    void a_plain_directory_edited_in_place() throws Exception {
        Files.writeString(routes.resolve("hello.camel.yaml"), hello("v1"));
        Files.writeString(routes.resolve("other.camel.yaml"), OTHER);
        startReplicas(routes);
        Edits edits = new Edits() {
            @Override
            public void hello(String content) throws Exception {
                Files.writeString(routes.resolve("hello.camel.yaml"), content);
            }

            @Override
            public void removeHello() throws Exception {
                Files.delete(routes.resolve("hello.camel.yaml"));
            }

            @Override
            public void add(String name, String content) throws Exception {
                Files.writeString(routes.resolve(name), content);
            }
        };
        editsKeepTheLeases(edits);
    }

    @Test
    void a_config_map_volume_swapped_by_the_kubelet() throws Exception {
        ConfigMapVolume volume = new ConfigMapVolume(routes);
        Map<String, String> files = new TreeMap<>(Map.of("hello.camel.yaml", hello("v1"), "other.camel.yaml", OTHER));
        volume.write(files);
        startReplicas(routes);
        Edits edits = new Edits() {
            @Override
            public void hello(String content) throws Exception {
                files.put("hello.camel.yaml", content);
                volume.write(files);
            }

            @Override
            public void removeHello() throws Exception {
                files.remove("hello.camel.yaml");
                volume.write(files);
            }

            @Override
            public void add(String name, String content) throws Exception {
                files.put(name, content);
                volume.write(files);
            }
        };
        editsKeepTheLeases(edits);
    }

    interface Edits {
        void hello(String content) throws Exception;

        void removeHello() throws Exception;

        void add(String name, String content) throws Exception;
    }

    private void startReplicas(Path dir) throws Exception {
        for (String name : List.of("replica-a", "replica-b")) {
            api.addReadyPod(name);
            replicas.add(ReplicaProcess.start(
                    name,
                    JAR,
                    List.of(),
                    3000,
                    2000,
                    500,
                    api.url(),
                    EmbeddedKubernetesApi.NAMESPACE,
                    List.of(
                            "-Dk8sensus.kubernetes.call-timeout-ms=1600",
                            "-Dk8sensus.routes.dir=" + dir,
                            "-Dk8sensus.routes.reload=true",
                            "-Dk8sensus.election.groups=heartbeat,jobs",
                            "-Dk8sensus.election.balance=false"),
                    Map.of(),
                    (r, line) -> lines.add(r + " " + line)));
            if (name.equals("replica-a")) {
                // replica-a leads both groups before replica-b starts
                awaitLine(0, "replica-a", "hello v1");
                awaitLine(0, "replica-a", "other tick");
            }
        }
        awaitLine(0, "replica-b", "event=routes-watched");
    }

    private void editsKeepTheLeases(Edits edit) throws Exception {
        LeaseHolder heartbeat = term("k8sensus-heartbeat");
        LeaseHolder jobs = term("k8sensus-jobs");
        assertThat(heartbeat.holder()).isEqualTo("replica-a");
        int mark = lines.size();

        // changed: the new content fires on the leader, the Lease and the other file's route are untouched
        edit.hello(hello("v2"));
        awaitLine(mark, "replica-a", "hello v2 epoch=" + heartbeat.epoch());
        awaitLine(mark, "replica-b", "event=routes-reloaded");
        assertThat(since(mark, "replica-a", "event=routes-reloaded"))
                .singleElement()
                .asString()
                .contains("change=changed")
                .contains("routes=hello");

        // broken: refused with its file and line, the previous version keeps firing
        int broken = lines.size();
        edit.hello(BROKEN);
        awaitLine(broken, "replica-a", "event=routes-refused");
        assertThat(since(broken, "replica-a", "event=routes-refused"))
                .first()
                .asString()
                .contains("hello.camel.yaml:6:")
                .contains("Unknown node id: lgo")
                .contains("previous routes keep running");
        int refused = lines.size();
        awaitLine(refused, "replica-a", "hello v2");

        // removed: its route stops, the shipped heartbeat of the same group goes on
        int removed = lines.size();
        edit.removeHello();
        awaitLine(removed, "replica-a", "change=removed");
        int afterRemoval = lines.size();
        awaitLine(afterRemoval, "replica-a", "leader heartbeat");
        awaitLine(afterRemoval, "replica-a", "other tick");

        // added: a new file's route starts on the leader of its group
        int added = lines.size();
        edit.add(
                "more.camel.yaml",
                OTHER.replace("\"other\"", "\"more\"")
                        .replace("other tick", "more tick")
                        .replace("timer:other", "timer:more"));
        awaitLine(added, "replica-a", "more tick");

        assertThat(term("k8sensus-heartbeat"))
                .as("the heartbeat Lease after the reloads")
                .isEqualTo(heartbeat);
        assertThat(term("k8sensus-jobs")).as("the jobs Lease after the reloads").isEqualTo(jobs);
        List<String> sinceEdits = List.copyOf(lines.subList(mark, lines.size()));
        assertThat(sinceEdits)
                .as("no Lease released or lost, the other file's route never stopped")
                .noneMatch(l -> l.contains("event=released")
                        || l.contains("event=lost")
                        || l.contains("event=acquired")
                        || l.contains("Consumer stopped: timer://other"));
        assertThat(since(afterRemoval, "replica-a", "hello "))
                .as("the removed route after its removal")
                .isEmpty();
        assertThat(List.copyOf(lines))
                .as("the follower never fires")
                .noneMatch(l -> l.startsWith("replica-b") && (l.contains("hello v") || l.contains(" tick")));
    }

    private LeaseHolder term(String lease) {
        return LeaseHolder.of(api.lease(lease));
    }

    private List<String> since(int from, String replica, String text) {
        List<String> copy = List.copyOf(lines);
        return copy.subList(Math.min(from, copy.size()), copy.size()).stream()
                .filter(l -> l.startsWith(replica + " ") && l.contains(text))
                .toList();
    }

    private void awaitLine(int from, String replica, String text) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !since(from, replica, text).isEmpty());
    }
}
