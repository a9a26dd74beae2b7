package io.k8sensus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The route file the README's first {@code cat > my-routes/hello.camel.yaml <<'YAML'} writes, as it writes it. */
public final class ReadmeFirstRoute {

    private static final Pattern HEREDOC =
            Pattern.compile("(?s)cat > my-routes/hello\\.camel\\.yaml <<'YAML'\\n(.*?)\\nYAML\\n");

    private ReadmeFirstRoute() {}

    public static String text() {
        try {
            Matcher route = HEREDOC.matcher(Files.readString(Path.of("README.md")));
            if (!route.find()) {
                throw new IllegalStateException("README.md has no cat > my-routes/hello.camel.yaml <<'YAML'");
            }
            return route.group(1) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
