package io.k8sensus.routes;

import io.k8sensus.cli.CommandLine;
import io.k8sensus.config.ElectionSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * {@code java -jar k8sensus.jar validate [--manifests DIR] PATH...}: checks route files (each PATH a directory of
 * {@code *.camel.yaml} files or one such file) without a cluster, for the CI of a routes repository. One line per
 * problem ({@code file:line: what}), all of them, then the Camel components the files use (each with its artifact,
 * and whether this image has them all), then a summary; exit status 0 when there is no problem, 1 when there are,
 * 2 when the command itself is wrong.
 * <p>
 * The properties are the jar's application.properties with the environment and system properties over them, as in a
 * replica. With {@code --manifests DIR} (k8s/), the groups are those the Deployment there sets, and each group a route
 * names must have its Lease among the Role's {@code resourceNames}.
 */
public final class ValidateCommand {

    public static final String NAME = "validate";
    static final String USAGE = "usage: k8sensus validate [--manifests DIR] PATH...  (PATH: a directory of *.camel.yaml"
            + " route files, or one)";

    private ValidateCommand() {}

    /** Runs the command; returns its exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        try {
            return validate(args, out, err);
        } catch (UncheckedIOException e) {
            err.println("validate: " + e.getMessage());
            return 2;
        }
    }

    private static int validate(List<String> args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = CommandLine.withArguments(args, List.of("--manifests"), List.of());
        } catch (CommandLine.UsageException e) {
            err.println("validate: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        Path manifests = line.path("--manifests", null);
        List<Path> paths = line.arguments().stream().map(Path::of).toList();
        if (paths.isEmpty()) {
            err.println(USAGE);
            return 2;
        }
        List<RouteFile> files = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                files.addAll(RouteFile.read(path));
            } else if (Files.isRegularFile(path)) {
                files.add(new RouteFile(path.toString(), path, read(path)));
            } else {
                err.println("validate: " + path + " is neither a directory nor a file\n" + USAGE);
                return 2;
            }
        }
        if (manifests != null && !Files.isDirectory(manifests)) {
            err.println("validate: --manifests " + manifests + " is not a directory\n" + USAGE);
            return 2;
        }
        List<ComponentUse> components = new ArrayList<>();
        List<RouteFileProblem> problems =
                check(files, manifests == null ? null : ManifestCheck.read(manifests), components);
        problems.forEach(out::println);
        out.println("validate: components the routes use: " + ComponentUse.summary(components));
        out.println("validate: " + files.size() + " route file(s), "
                + (problems.isEmpty() ? "no problems" : problems.size() + " problem(s)"));
        return problems.isEmpty() ? 0 : 1;
    }

    static List<RouteFileProblem> check(List<RouteFile> files, ManifestCheck manifests) {
        return check(files, manifests, new ArrayList<>());
    }

    /** The problems of {@code files}; {@code components} gets the Camel components they use. */
    static List<RouteFileProblem> check(List<RouteFile> files, ManifestCheck manifests, List<ComponentUse> components) {
        try (RouteFileCheck check = RouteFileCheck.standalone(new Properties(), null)) {
            // the groups and the Lease prefix as the manifests set them, else as the jar's properties do
            Set<String> groups = ElectionSettings.parseGroups(
                    manifests != null && manifests.groups().isPresent()
                            ? manifests.groups().get()
                            : check.property(ElectionSettings.KEY_GROUPS).orElse(""));
            String prefix = manifests != null && manifests.leasePrefix().isPresent()
                    ? manifests.leasePrefix().get()
                    : check.property(ElectionSettings.KEY_LEASE_PREFIX).orElse("k8sensus");
            check.electing(groups);
            // the files run beside the routes shipped in the jar: none may take one of their ids
            List<RouteFileProblem> problems =
                    new ArrayList<>(check.check(files, check.routeIds(check.shippedRoutes())));
            components.addAll(check.components());
            if (manifests != null) {
                for (Map.Entry<String, RouteFileProblem> use : check.groupUses().entrySet()) {
                    String lease = prefix + "-" + use.getKey();
                    if (!manifests.leaseNames().contains(lease)) {
                        RouteFileProblem where = use.getValue();
                        problems.add(RouteFileProblem.at(
                                where.file(),
                                where.line(),
                                "group '" + use.getKey()
                                        + "' has no Lease in the Role of " + manifests.dir() + ": add \"" + lease
                                        + "\" to the resourceNames of its rule on leases (it lists "
                                        + manifests.leaseNames()
                                        + ")"));
                    }
                }
            }
            return problems;
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
