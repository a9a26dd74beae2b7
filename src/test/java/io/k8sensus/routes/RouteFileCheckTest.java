package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the check of route files finds, where, and in what words: every problem a replica would refuse. */
class RouteFileCheckTest {

    private final RouteFileCheck check =
            RouteFileCheck.standalone(new Properties(), new LinkedHashSet<>(List.of("heartbeat", "jobs")));

    @AfterEach
    void close() {
        check.close();
    }

    private static RouteFile file(String name, String yaml) {
        return new RouteFile("routes/" + name, Path.of("routes", name), yaml);
    }

    private List<String> problems(RouteFile... files) {
        return check.check(List.of(files)).stream()
                .map(RouteFileProblem::toString)
                .toList();
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
                """)))
                .singleElement()
                .asString()
                .startsWith("routes/broken.camel.yaml:7:")
                .contains("invalid YAML")
                .contains("unexpected end of stream");
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
                """)))
                .containsExactly("routes/typo.camel.yaml:5:11: invalid YAML: Unknown node id: lgo");
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
                """)))
                .containsExactly(
                        "routes/many.camel.yaml:14: unresolved placeholder {{no.such.key}}: no such property in"
                                + " application.properties, the environment (NO_SUCH_KEY) or the system properties",
                        "routes/many.camel.yaml:4: Invalid leader-only URI 'master:reports:timer:x': unknown group 'reports'"
                                + " (k8sensus.election.groups lists [heartbeat, jobs])",
                        "routes/many.camel.yaml:7: route 'poller' uses routePolicy electionLog but starts from 'timer:poll': the"
                                + " policy logs the elections of leader-only routes (from: master:<group>:...)",
                        "routes/many.camel.yaml:13: unknown component 'nosuchcomponent' in 'nosuchcomponent:queue': Camel has"
                                + " no such component (not in the catalog of Camel 4.18.0)");
    }

    @Test
    void the_delegate_of_a_leader_only_uri_is_checked_too() {
        assertThat(problems(file("delegate.camel.yaml", """
                - route:
                    from:
                      uri: "master:jobs:nosuch:x"
                      steps:
                        - log: "x"
                """)))
                .singleElement()
                .asString()
                .startsWith("routes/delegate.camel.yaml:3: unknown component 'nosuch' in 'master:jobs:nosuch:x'");
    }

    @Test
    void an_unknown_option_of_a_leader_only_timer_is_named_with_its_line_and_the_nearest_option() {
        assertThat(problems(file("typo.camel.yaml", """
                - route:
                    from:
                      uri: "master:heartbeat:timer:tick"
                      parameters:
                        peroid: "1000"
                      steps:
                        - log: "x"
                """)))
                .containsExactly("routes/typo.camel.yaml:5: unknown option 'peroid' in"
                        + " 'master:heartbeat:timer:tick': timer has no such option; did you mean 'period'?");
    }

    @Test
    void an_unknown_option_in_the_query_of_a_to_uri_is_named_with_its_line() {
        assertThat(problems(file("sql.camel.yaml", """
                - route:
                    from:
                      uri: "timer:x"
                      steps:
                        - log: "x"
                        - to: "sql:select 1?dataSourc=#ds"
                """)))
                .containsExactly("routes/sql.camel.yaml:6: unknown option 'dataSourc' in 'sql:select 1': sql"
                        + " has no such option; did you mean 'dataSource'?");
    }

    @Test
    void a_value_of_the_wrong_type_is_refused_after_its_placeholder_is_resolved() {
        assertThat(problems(file("types.camel.yaml", """
                - route:
                    from:
                      uri: "timer:x"
                      parameters:
                        period: "abc"
                        includeMetadata: "{{k8sensus.heartbeat.period-ms}}"
                      steps:
                        - to:
                            uri: "file:out"
                            parameters:
                              fileExist: "Fial"
                """)))
                .containsExactly(
                        "routes/types.camel.yaml:6: invalid value '5000' of option 'includeMetadata' in 'timer:x': timer"
                                + " expects true or false",
                        "routes/types.camel.yaml:5: invalid value 'abc' of option 'period' in 'timer:x': timer expects a"
                                + " duration: milliseconds (1000) or with units (500ms, 5s, 1m30s)",
                        "routes/types.camel.yaml:11: invalid value 'Fial' of option 'fileExist' in 'file:out': file expects one"
                                + " of Override, Append, Fail, Ignore, Move, TryRename; did you mean 'Fail'?");
    }

    @Test
    void a_required_part_of_a_uri_left_out_is_refused_with_the_component_syntax() {
        assertThat(problems(file("counter.camel.yaml", """
                - route:
                    from:
                      uri: "timer:x"
                      steps:
                        - to: "micrometer:counter"
                """)))
                .containsExactly("routes/counter.camel.yaml:5: missing required option 'metricsName' in"
                        + " 'micrometer:counter': micrometer's URI is micrometer:metricsType:metricsName");
    }

    @Test
    void endpoints_of_error_handlers_in_route_configurations_are_checked_too() {
        assertThat(problems(file("errors.camel.yaml", """
                - routeConfiguration:
                    id: "errors"
                    onException:
                      - onException:
                          exception:
                            - "java.lang.Exception"
                          steps:
                            - to:
                                uri: "file:failed"
                                parameters:
                                  fileExists: "Ignore"
                """)))
                .containsExactly("routes/errors.camel.yaml:11: unknown option 'fileExists' in 'file:failed':"
                        + " file has no such option; did you mean 'fileExist'?");
    }

    @Test
    void lenient_components_references_and_expressions_pass() {
        assertThat(problems(file("fine.camel.yaml", """
                - route:
                    from:
                      uri: "master:jobs:timer:x"
                      parameters:
                        period: "5s"
                        delay: "0"
                      steps:
                        - to: "http://example.com/api?anything=goes"
                        - to:
                            uri: "sql:select 1"
                            parameters:
                              dataSource: "#ds"
                        - to:
                            uri: "file:out"
                            parameters:
                              tempFileName: "${file:name}.part"
                        - toD: "file:out/${header.dir}?fileExist=Append"
                """))).isEmpty();
    }

    @Test
    void a_component_camel_has_but_the_image_lacks_names_its_artifact_and_a_misspelt_scheme_the_nearest() {
        assertThat(problems(file("kafka.camel.yaml", """
                - route:
                    from:
                      uri: "master:jobs:kafka:jobs"
                      steps:
                        - to: "kafak:results"
                """)))
                .containsExactly(
                        "routes/kafka.camel.yaml:3: unknown component 'kafka' in 'master:jobs:kafka:jobs': no such Camel"
                                + " component in this image (its artifact: org.apache.camel:camel-kafka; make components or make image"
                                + " resolves it)",
                        "routes/kafka.camel.yaml:5: unknown component 'kafak' in 'kafak:results': Camel has no such component"
                                + " (not in the catalog of Camel 4.18.0); did you mean 'kafka'?");
    }

    @Test
    void the_components_the_files_use_are_named_with_their_artifact_and_whether_the_image_has_them() {
        check.check(List.of(file("uses.camel.yaml", """
                - route:
                    from:
                      uri: "master:jobs:timer:job"
                      steps:
                        - to: "sql:select 1?dataSource=#ds"
                        - to: "kafka:results"
                        - toD: "file:out/${header.dir}"
                        - log: "the log step is no component"
                """)));
        assertThat(check.components())
                .extracting(ComponentUse::toString)
                .containsExactly(
                        "file (camel-file)",
                        "kafka (camel-kafka)",
                        "master (camel-master)",
                        "sql (camel-sql)",
                        "timer (camel-timer)");
        assertThat(ComponentUse.summary(check.components())).endsWith("; not in this image: kafka");
        assertThat(check.components().get(1).firstUse().toString())
                .isEqualTo("routes/uses.camel.yaml:6: kafka:results");
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
                .singleElement()
                .asString()
                .endsWith("route id 'same' is already defined in classpath:routes/shipped.yaml");
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
        assertThat(check.groupUses().get("jobs").toString())
                .isEqualTo("routes/job.camel.yaml:3: master:jobs:timer:job");
    }
}
