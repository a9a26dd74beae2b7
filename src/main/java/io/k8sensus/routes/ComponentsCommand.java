package io.k8sensus.routes;

import io.k8sensus.cli.CommandLine;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * {@code java -jar k8sensus.jar components [--pom FILE | --list] PATH...}: the Camel components route files use that
 * this image does not have, as Maven artifacts (Camel's catalog names them), so that a route can use any Camel
 * component without an edit of pom.xml. With {@code --pom FILE}, writes the Maven project that resolves them
 * ({@link ComponentsPom}; {@code src/main/components/resolve-components.sh} runs it); with {@code --list}, prints them
 * alone on one line (for {@code make image}'s build argument). {@code --artifacts "GROUP:ARTIFACT..."} takes the list
 * instead of route files (the image's build stage). Exit status 0, 1 when a scheme is no Camel component (one line
 * each), 2 when the command itself is wrong.
 * <p>
 * Only the components are looked at: {@code validate} checks the rest of the files.
 */
public final class ComponentsCommand {

    public static final String NAME = "components";
    static final String USAGE =
            "usage: k8sensus components [--pom FILE | --list] (PATH... | --artifacts \"GROUP:ARTIFACT"
                    + " ...\")  (PATH: a directory of *.camel.yaml route files, or one)";

    private ComponentsCommand() {}

    /** Runs the command; returns its exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = CommandLine.withArguments(args, List.of("--pom", "--artifacts"), List.of("--list"));
        } catch (CommandLine.UsageException e) {
            err.println("components: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        Path pom = line.path("--pom", null);
        boolean list = line.has("--list");
        String artifacts = line.text("--artifacts", null);
        List<Path> paths = line.arguments().stream().map(Path::of).toList();
        if ((artifacts == null) == paths.isEmpty() || (list && pom != null)) {
            err.println(USAGE);
            return 2;
        }
        try {
            Set<String> inImage = ImageArtifacts.read();
            Set<String> missing = new LinkedHashSet<>();
            if (artifacts != null) {
                for (String artifact : artifacts.trim().split("\\s+")) {
                    if (!artifact.isEmpty() && !artifact.matches("[\\w.-]+:[\\w.-]+")) {
                        err.println("components: '" + artifact + "' is not GROUP:ARTIFACT\n" + USAGE);
                        return 2;
                    }
                    if (!artifact.isEmpty() && !inImage.contains(artifact)) {
                        missing.add(artifact);
                    }
                }
            } else if (!derive(paths, inImage, missing, list ? null : out, err)) {
                return 1;
            }
            if (list) {
                out.println(String.join(" ", missing));
            } else if (missing.isEmpty()) {
                out.println("components: nothing to resolve: the image has them all"
                        + (pom == null ? "" : "; " + pom + " not written"));
            } else {
                out.println("components: to resolve: " + String.join(" ", missing));
                if (pom != null) {
                    write(pom, ComponentsPom.of(new CamelComponents().version(), missing, inImage));
                    out.println(
                            "components: wrote " + pom + " (src/main/components/resolve-components.sh resolves it)");
                }
            }
            return 0;
        } catch (UncheckedIOException e) {
            err.println("components: " + e.getMessage());
            return 2;
        }
    }

    /**
     * Adds the artifacts of the components {@code paths} use that the image lacks to {@code missing}; false (after one
     * line each on {@code err}) when a scheme is no Camel component. {@code out}, when given, gets the list of uses.
     */
    private static boolean derive(
            List<Path> paths, Set<String> inImage, Set<String> missing, PrintStream out, PrintStream err) {
        List<RouteFile> files = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                files.addAll(RouteFile.read(path));
            } else if (Files.isRegularFile(path)) {
                files.add(new RouteFile(path.toString(), path, read(path)));
            } else {
                throw new UncheckedIOException(new IOException(path + " is neither a directory nor a file"));
            }
        }
        List<ComponentUse> uses;
        // any group: the groups are validate's concern
        try (RouteFileCheck check = RouteFileCheck.standalone(new Properties(), null)) {
            check.check(files);
            uses = check.components();
        }
        if (out != null) {
            out.println("components: the routes use: " + ComponentUse.summary(uses));
        }
        boolean known = true;
        for (ComponentUse use : uses) {
            if (use.inImage()) {
                continue;
            }
            if (use.artifact() == null) {
                RouteFileProblem where = use.firstUse();
                err.println(RouteFileProblem.at(
                        where.file(),
                        where.line(),
                        "'" + use.scheme() + "' is no Camel"
                                + " component: nothing to resolve for it (make validate names the nearest)"));
                known = false;
            } else if (!inImage.contains(use.artifact())) {
                missing.add(use.artifact());
            }
        }
        return known;
    }

    private static void write(Path file, String content) {
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be written: " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
