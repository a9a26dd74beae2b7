package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the check of route files finds, where, and in what words: every problem a replica would refuse. */
class RouteFileCheckTest {

    private final RouteFileCheck check = RouteFileCheck.standalone(new Properties(),
            new java.util.LinkedHashSet<>(List.of("heartbeat", "jobs")));

    @AfterEach
    void close() {
        check.close();
    }

    private static RouteFile file(String name, String yaml) {
        return new RouteFile("routes/" + name, Path.of("routes", name), yaml);
    }

    private List<String> problems(RouteFile... files) {
        return check.check(List.of(files)).stream().map(RouteFileProblem::toString).toList();
    }

    @Test
    void a_valid_leader_only_route_has_no_problem() {
        assertThat(problems(file("job.camel.yaml", """
                - route:
                    id: "job"
                    routePolicy: "electionLog"
                    from:
                      uri: "master:jobs:timer:job"
                      parameters:
                        period: "{{k8sensus.heartbeat.period-ms}}"
                      steps:
                        - log: "ran {{missing.with-default:x}} {{?optional.key}} {{env:SOME_VARIABLE}}"
                        - to: "log:done"
                """))).isEmpty();
    }

    @Test
    void yaml_that_does_not_parse_is_named_with_its_line_and_column() {
        assertThat(problems(file("broken.camel.yaml", """
                - route:
                    from:
                      uri: "timer:x"
                      steps:
                        - log:
                          message: "unterminated
                """))).singleElement().asString()
                .startsWith("routes/broken.camel.yaml:7:").contains("invalid YAML").contains("unexpected end of stream");
    }

    @Test
    void an_unknown_step_is_named_with_its_line() {
        assertThat(problems(file("typo.camel.yaml", """
                - route:
                    from:
                      uri: "timer:x"
                      steps:
                        - lgo:
                            message: "typo"
                """))).containsExactly("routes/typo.camel.yaml:5:11: invalid YAML: Unknown node id: lgo");
    }

    @Test
    void unknown_groups_components_placeholders_and_a_misplaced_election_log_all_at_once() {
        assertThat(problems(file("many.camel.yaml", """
                - route:
                    id: "reports"
                    from:
                      uri: "master:reports:timer:x"
                      steps:
                        - log: "x"
                - route:
                    id: "poller"
                    routePolicy: "electionLog"
                    from:
                      uri: "timer:poll"
                      steps:
                        - to: "nosuchcomponent:queue"
                        - log: "{{no.such.key}}"
                """))).containsExactly(
                "routes/many.camel.yaml:14: unresolved placeholder {{no.such.key}}: no such property in"
                + " application.properties, the environment (NO_SUCH_KEY) or the system properties",
                "routes/many.camel.yaml:4: Invalid leader-only URI 'master:reports:timer:x': unknown group 'reports'"
                + " (k8sensus.election.groups lists [heartbeat, jobs])",
                "routes/many.camel.yaml:7: route 'poller' uses routePolicy electionLog but starts from 'timer:poll': the"
                + " policy logs the elections of leader-only routes (from: master:<group>:...)",
                "routes/many.camel.yaml:13: unknown component 'nosuchcomponent' in 'nosuchcomponent:queue': no such"
                + " Camel component in this image (add its artifact to pom.xml)");
    }

    @Test
    void the_delegate_of_a_leader_only_uri_is_checked_too() {
        assertThat(problems(file("delegate.camel.yaml", """
                - route:
                    from:
                      uri: "master:jobs:nosuch:x"
                      steps:
                        - log: "x"
                """))).singleElement().asString()
                .startsWith("routes/delegate.camel.yaml:3: unknown component 'nosuch' in 'master:jobs:nosuch:x'");
    }

    @Test
    void a_route_id_defined_twice_is_refused_in_the_second_file() {
        String route = """
                - route:
                    id: "same"
                    from:
                      uri: "timer:x"
                      steps:
                        - log: "x"
                """;
        assertThat(problems(file("a.camel.yaml", route), file("b.camel.yaml", route)))
                .containsExactly("routes/b.camel.yaml:1: route id 'same' is already defined in routes/a.camel.yaml");
        assertThat(check.check(List.of(file("a.camel.yaml", route)), Map.of("same", "classpath:routes/shipped.yaml")))
                .singleElement().asString().endsWith("route id 'same' is already defined in classpath:routes/shipped.yaml");
    }

    @Test
    void the_groups_a_file_names_are_reported_with_where() {
        check.check(List.of(file("job.camel.yaml", """
                - route:
                    from:
                      uri: "master:jobs:timer:job"
                      steps:
                        - log: "x"
                """)));
        assertThat(check.groupUses()).containsOnlyKeys("jobs");
        assertThat(check.groupUses().get("jobs").toString()).isEqualTo("routes/job.camel.yaml:3: master:jobs:timer:job");
    }
}
