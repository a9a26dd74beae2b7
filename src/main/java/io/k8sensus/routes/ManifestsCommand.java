package io.k8sensus.routes;

import io.k8sensus.cli.CommandLine;
import io.k8sensus.config.ElectionSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar k8sensus.jar manifests [--check] DIR}: one list of groups for a deploy directory (k8s/), derived
 * from its route files. A group is named once, in the {@code master:<group>:} URI of a route; this writes what the
 * deploy needs of it: the route files in the ConfigMap ({@code configMapGenerator} of kustomization.yaml), the groups
 * the replicas elect ({@code K8SENSUS_ELECTION_GROUPS} in deployment.yaml) and their Leases, the only ones the Role
 * lets them use ({@code resourceNames} in rbac.yaml). The shipped routes (in the jar) count too. With {@code --check},
 * nothing is written: exit status 1 and the difference when the files are not up to date (CI).
 * <p>
 * The files are edited where these three values stand, line by line, so their comments and layout stay as written.
 */
public final class ManifestsCommand {

    public static final String NAME = "manifests";
    static final String USAGE = "usage: k8sensus manifests [--check] DIR  (DIR: the deploy directory, k8s/, whose"
            + " routes/ holds the route files)";
    private static final Pattern FILES_ITEM = Pattern.compile("^(\\s*)- routes/\\S+\\s*$");
    private static final Pattern GROUPS_VALUE = Pattern.compile("^(\\s*value:\\s*).*$");
    private static final Pattern RESOURCE_NAMES = Pattern.compile("^(\\s*resourceNames:\\s*).*$");

    private ManifestsCommand() {}

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = CommandLine.withArguments(args, List.of(), List.of("--check"));
        } catch (CommandLine.UsageException e) {
            err.println("manifests: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        boolean check = line.has("--check");
        List<String> rest = line.arguments();
        if (rest.size() != 1 || !Files.isDirectory(Path.of(rest.get(0)))) {
            err.println(USAGE);
            return 2;
        }
        Path dir = Path.of(rest.get(0));
        try {
            List<ComponentUse> components = new ArrayList<>();
            Map<Path, String> updated = update(dir, components::addAll);
            out.println("manifests: components the routes use: " + ComponentUse.summary(components));
            if (updated.isEmpty()) {
                out.println("manifests: " + dir + " is up to date");
                return 0;
            }
            for (Map.Entry<Path, String> file : updated.entrySet()) {
                if (check) {
                    out.println(
                            "manifests: " + file.getKey() + " is not up to date with the routes; run: make manifests");
                } else {
                    Files.writeString(file.getKey(), file.getValue());
                    out.println("manifests: wrote " + file.getKey());
                }
            }
            return check ? 1 : 0;
        } catch (IllegalStateException | UncheckedIOException | IOException e) {
            err.println("manifests: " + e.getMessage());
            return 2;
        }
    }

    /** The files of {@code dir} whose content differs from what its routes call for, with that content. */
    static Map<Path, String> update(Path dir) throws IOException {
        return update(dir, components -> {});
    }

    /** The same, telling {@code components} which Camel components the routes (shipped ones included) use. */
    static Map<Path, String> update(Path dir, Consumer<List<ComponentUse>> components) throws IOException {
        List<RouteFile> files = RouteFile.read(dir.resolve("routes"));
        if (files.isEmpty()) {
            throw new IllegalStateException(dir.resolve("routes") + " holds no *" + RouteFile.SUFFIX + " file");
        }
        Set<String> groups;
        String prefix;
        // no list of groups to check against: the routes are the list
        try (RouteFileCheck check = RouteFileCheck.standalone(new Properties(), null)) {
            prefix = ManifestCheck.read(dir)
                    .leasePrefix()
                    .orElse(check.property(ElectionSettings.KEY_LEASE_PREFIX).orElse("k8sensus"));
            List<RouteFile> all = new ArrayList<>(check.shippedRoutes());
            all.addAll(files);
            List<RouteFileProblem> problems = check.check(all);
            if (!problems.isEmpty()) {
                throw new IllegalStateException("fix the route files first (make validate): " + problems.get(0));
            }
            groups = new LinkedHashSet<>(check.groupUses().keySet());
            components.accept(check.components());
        }
        Map<Path, String> changed = new LinkedHashMap<>();
        edit(
                changed,
                dir.resolve("kustomization.yaml"),
                text -> replaceList(
                        text,
                        "name: k8sensus-routes",
                        FILES_ITEM,
                        files.stream()
                                .map(f -> "routes/" + f.path().getFileName())
                                .toList()));
        edit(
                changed,
                dir.resolve("deployment.yaml"),
                text -> replaceAfter(text, "- name: K8SENSUS_ELECTION_GROUPS", GROUPS_VALUE, String.join(",", groups)));
        edit(
                changed,
                dir.resolve("rbac.yaml"),
                text -> replaceAfter(
                        text,
                        "resources: [\"leases\"]",
                        RESOURCE_NAMES,
                        "["
                                + String.join(
                                        ", ",
                                        groups.stream()
                                                .map(g -> "\"" + prefix + "-" + g + "\"")
                                                .toList()) + "]"));
        return changed;
    }

    private interface Edit {
        String apply(String text);
    }

    private static void edit(Map<Path, String> changed, Path file, Edit edit) throws IOException {
        String before = Files.readString(file);
        String after = edit.apply(before);
        if (!after.equals(before)) {
            changed.put(file, after);
        }
    }

    /** The first line matching {@code line} after the one containing {@code anchor}, with its value replaced. */
    private static String replaceAfter(String text, String anchor, Pattern line, String value) {
        String[] lines = text.split("\n", -1);
        int at = indexOf(lines, anchor, 0);
        for (int i = at + 1; i < lines.length; i++) {
            Matcher m = line.matcher(lines[i]);
            if (m.matches()) {
                lines[i] = m.group(1) + value;
                return String.join("\n", lines);
            }
        }
        throw new IllegalStateException("no line like '" + line.pattern() + "' after '" + anchor + "'");
    }

    /** The items ({@code - x} lines matching {@code item}) after {@code anchor} replaced by {@code values}. */
    private static String replaceList(String text, String anchor, Pattern item, List<String> values) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int at = indexOf(lines.toArray(String[]::new), anchor, 0);
        int first = -1;
        String indent = null;
        for (int i = at + 1; i < lines.size(); i++) {
            Matcher m = item.matcher(lines.get(i));
            if (m.matches()) {
                first = i;
                indent = m.group(1);
                break;
            }
        }
        if (first < 0) {
            throw new IllegalStateException("no '- routes/<file>' item after '" + anchor + "'");
        }
        int end = first;
        while (end < lines.size() && item.matcher(lines.get(end)).matches()) {
            end++;
        }
        lines.subList(first, end).clear();
        List<String> items = new ArrayList<>();
        for (String value : values) {
            items.add(indent + "- " + value);
        }
        lines.addAll(first, items);
        return String.join("\n", lines);
    }

    private static int indexOf(String[] lines, String anchor, int from) {
        for (int i = from; i < lines.length; i++) {
            if (lines[i].contains(anchor)) {
                return i;
            }
        }
        throw new IllegalStateException("no line with '" + anchor + "'");
    }
}
