package io.k8sensus.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8sensus.routes.ValidateCommand;
import io.k8sensus.testing.ReadmeFirstRoute;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the README says of its first route, checked against the route as the README writes it: it passes
 * {@code validate}, and with {@code period} misspelt {@code peroid} it gets the very line the README quotes.
 */
class ReadmeFirstRouteTest {

    @TempDir
    Path dir;

    private static String readme() throws Exception {
        return Files.readString(Path.of("README.md"));
    }

    private List<String> validate(String route) throws Exception {
        Path routes = Files.createDirectories(dir.resolve("my-routes"));
        Files.writeString(routes.resolve("hello.camel.yaml"), route);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ValidateCommand.run(
                List.of(routes.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        // shown as the README's reader runs it, from the directory that holds my-routes/
        return out.toString(StandardCharsets.UTF_8)
                .replace(dir + "/", "")
                .lines()
                .toList();
    }

    @Test
    void the_first_route_passes_validate() throws Exception {
        assertThat(validate(ReadmeFirstRoute.text()))
                .containsExactly(
                        "validate: components the routes use: master"
                                + " (camel-master), timer (camel-timer); all in this image",
                        "validate: 1 route file(s), no problems");
    }

    @Test
    void a_misspelt_option_gets_the_line_the_readme_quotes() throws Exception {
        String readme = readme();
        String route = ReadmeFirstRoute.text();
        assertThat(route).contains("period:");
        List<String> lines = validate(route.replace("period:", "peroid:"));
        assertThat(lines).hasSize(3);
        assertThat(readme).as("the README quotes validate's line").contains("\n  " + lines.get(0) + "\n");
    }
}
