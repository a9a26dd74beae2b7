package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route file of the repository, as an editor sees it: the shipped routes, {@code k8s/routes/}, the examples, and
 * the route files the README and docs/ write out whole (a here-document into a {@code *.camel.yaml}, a {@code yaml}
 * block that is a list of routes, beans or route configurations). Each starts with the line that points the Red Hat
 * YAML extension (and the Camel one) at the YAML DSL's JSON schema of the Camel version the application runs, and each
 * is valid against that schema, read from camel-yaml-dsl's jar on the class path (offline).
 */
class RouteFilesSchemaTest {

    static final String SCHEMA_LINE = "# yaml-language-server: $schema=https://raw.githubusercontent.com/apache/camel/"
            + "camel-%s/dsl/camel-yaml-dsl/camel-yaml-dsl/src/generated/resources/schema/"
            + "camelYamlDsl.json";
    private static final Pattern HEREDOC =
            Pattern.compile("(?s)cat > (\\S+\\.camel\\.yaml) <<'?(\\w+)'?\\n(.*?)\\n\\2\\n");
    private static final Pattern YAML_BLOCK = Pattern.compile("(?ms)^( *)```yaml\\n(.*?)^\\1```");
    private static final Pattern DSL_LIST =
            Pattern.compile("(?m)\\A(?:#.*\\n)*- (route|beans|routeConfiguration|from" + "|rest|routeTemplate):");

    private static Schema schema;

    @BeforeAll
    static void readSchema() throws IOException {
        try (InputStream in =
                RouteFilesSchemaTest.class.getClassLoader().getResourceAsStream("schema/camelYamlDsl.json")) {
            assertThat(in).as("camel-yaml-dsl's schema on the class path").isNotNull();
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                    .getSchema(in);
        }
    }

    /** The line for the version of camel-yaml-dsl on the class path, whose schema is read here. */
    static String schemaLine() throws IOException {
        Properties pom = new Properties();
        try (InputStream in = RouteFilesSchemaTest.class
                .getClassLoader()
                .getResourceAsStream("META-INF/maven/org.apache.camel/camel-yaml-dsl/pom.properties")) {
            assertThat(in).as("camel-yaml-dsl's pom.properties").isNotNull();
            pom.load(in);
        }
        return SCHEMA_LINE.formatted(pom.getProperty("version"));
    }

    /** Every route file of the repository by where it is (a file, or a document and its here-document or block). */
    static Map<String, String> routeFiles() throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        for (Path dir : List.of(Path.of("src", "main", "resources", "routes"), Path.of("k8s"), Path.of("examples"))) {
            try (Stream<Path> found = Files.walk(dir)) {
                for (Path file : found.filter(p -> p.toString().endsWith(RouteFile.SUFFIX))
                        .sorted()
                        .toList()) {
                    files.put(file.toString(), Files.readString(file));
                }
            }
        }
        List<Path> documents = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        for (Path document : documents) {
            String text = Files.readString(document);
            Matcher heredoc = HEREDOC.matcher(text);
            while (heredoc.find()) {
                files.put(document + " (" + heredoc.group(1) + ")", heredoc.group(3) + "\n");
            }
            Matcher block = YAML_BLOCK.matcher(text);
            while (block.find()) {
                String yaml = block.group(2).replaceAll("(?m)^" + block.group(1), "");
                if (DSL_LIST.matcher(yaml).find()) {
                    files.put(document + " (yaml block at line " + lineOf(text, block.start()) + ")", yaml);
                }
            }
        }
        return files;
    }

    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    @Test
    void every_route_file_is_found() throws IOException {
        assertThat(routeFiles().keySet())
                .contains(
                        Path.of("src/main/resources/routes/leader-heartbeat.camel.yaml")
                                .toString(),
                        Path.of("k8s/routes/leader-job.camel.yaml").toString(),
                        Path.of("examples/sql/jobs-worker.camel.yaml").toString(),
                        "README.md (my-routes/hello.camel.yaml)");
        assertThat(routeFiles().keySet())
                .as("the beans block of docs/WIRING.md")
                .anyMatch(where -> where.startsWith("docs/WIRING.md (yaml block at line "));
    }

    @Test
    void every_route_file_names_the_schema_of_this_camel_version_on_its_first_line() throws IOException {
        String line = schemaLine();
        assertThat(routeFiles())
                .allSatisfy((where, yaml) -> assertThat(yaml.lines().findFirst().orElse(""))
                        .as(where)
                        .isEqualTo(line));
    }

    @Test
    void every_route_file_is_valid_against_the_yaml_dsl_schema() throws IOException {
        Map<String, List<String>> invalid = new LinkedHashMap<>();
        routeFiles().forEach((where, yaml) -> {
            List<Error> errors = schema.validate(yaml, InputFormat.YAML);
            if (!errors.isEmpty()) {
                invalid.put(where, errors.stream().map(Error::toString).toList());
            }
        });
        assertThat(invalid).as("route files the schema refuses").isEmpty();
    }

    @Test
    void the_schema_refuses_what_the_yaml_dsl_refuses() {
        assertThat(schema.validate("""
                - route:
                    from:
                      uri: "timer:x"
                      steps:
                        - lgo: "typo"
                """, InputFormat.YAML)).isNotEmpty();
        assertThat(schema.validate("""
                - route:
                    from:
                      uri: "timer:x"
                      steps:
                        - log: "fine"
                """, InputFormat.YAML)).isEmpty();
    }
}
