package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.k8sensus.routes.ValidateCommand;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Validate and start-up refuse the same route files in the same words: each broken file of
 * {@code src/test/resources/refused-routes/}, alone in a routes directory, is run through {@code validate} and through
 * the start of a replica (the application's Camel Main, that directory as {@code k8sensus.routes.dir}), and both must
 * refuse it with the same line, naming the file, the line and what is wrong there. The start fails before any endpoint
 * is created and before any election.
 */
class RefusedRouteFilesTest {

    private static EmbeddedKubernetesApi api;

    @TempDir
    Path routes;

    @BeforeAll
    static void startApi() {
        api = new EmbeddedKubernetesApi();
    }

    @AfterAll
    static void stopApi() {
        api.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown-option.camel.yaml          | :7: unknown option 'peroid' in 'master:heartbeat:timer:tick': timer has no such option; did you mean 'period'?
            unknown-option-in-to.camel.yaml    | :7: unknown option 'dataSourc' in 'sql:select 1': sql has no such option; did you mean 'dataSource'?
            bad-value-type.camel.yaml          | :7: invalid value 'abc' of option 'period' in 'master:heartbeat:timer:tick': timer expects a duration: milliseconds (1000) or with units (500ms, 5s, 1m30s)
            missing-required-option.camel.yaml | :7: missing required option 'metricsName' in 'micrometer:counter': micrometer's URI is micrometer:metricsType:metricsName
            unknown-component.camel.yaml       | :5: unknown component 'kafka' in 'master:heartbeat:kafka:jobs': no such Camel component in this image (its artifact: org.apache.camel:camel-kafka; make components or make image resolves it)
            unknown-group.camel.yaml           | :5: Invalid leader-only URI 'master:reports:timer:report': unknown group 'reports' (k8sensus.election.groups lists [heartbeat])
            yaml-syntax-error.camel.yaml       | :9:1: invalid YAML: while scanning a quoted scalar: found unexpected end of stream
            unknown-step.camel.yaml            | :7:11: invalid YAML: Unknown node id: lgo
            """)
    void validate_and_start_up_refuse_the_file_with_the_same_line(String name, String expected) throws Exception {
        Path file = routes.resolve(name);
        Files.copy(Path.of("src", "test", "resources", "refused-routes", name), file);
        String line = file + expected;

        List<String> validate = validate();
        assertThat(validate)
                .as("validate's output")
                .hasSize(3)
                .startsWith(line)
                .endsWith("validate: 1 route file(s), 1 problem(s)");
        assertThat(startUp()).as("the start-up failure").isEqualTo(line);
    }

    private List<String> validate() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ValidateCommand.run(
                List.of(routes.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(1);
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private String startUp() {
        Throwable failure = catchThrowable(() -> Replica.start(
                        "replica-x", api, new FiringHistory(), Map.of("k8sensus.routes.dir", routes.toString()))
                .close());
        assertThat(failure).as("start-up should fail").isNotNull();
        return StartupFailure.describe(failure);
    }
}
