package io.k8sensus.routes;

import io.k8sensus.camel.LeaderOnlyUri;
import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.kube.RootCause;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Component;
import org.apache.camel.LineNumberAware;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.engine.DefaultComponentResolver;
import org.apache.camel.model.EndpointRequiredDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDynamicDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * Checks route files without running them: everything a replica would refuse at start-up, found before, and all at
 * once. YAML and DSL errors (with the line), unknown groups in {@code master:} URIs, components that are not on the
 * class path (not in the image), the options of every endpoint ({@link EndpointOptionCheck}: {@code from:}, the
 * delegate of a {@code master:} URI, {@code to:}, {@code toD:}, {@code wireTap:}, {@code poll:}, in routes and in
 * route configurations, with their {@code parameters:}), placeholders no property resolves, {@code electionLog} on a
 * route that is not leader-only, and route ids defined twice.
 * <p>
 * A replica runs this same check on its route files before Camel reads them (at start-up and on each reload), so a
 * file is refused in the words {@code validate} uses.
 * <p>
 * The files are parsed into Camel's route model by Camel's own routes loader, in a Camel context of the check's own
 * that is never started: a file's {@code beans:} are created there, not in a running application's registry, and no
 * endpoint is created or started. The properties are those the replica resolves: {@link #like} copies a running
 * context's, {@link #standalone} takes the jar's application.properties (the environment and system properties
 * override them, as in a replica).
 */
public final class RouteFileCheck implements AutoCloseable {

    /** {{key}}, {{key:default}}, {{?key}}, {{env:NAME}}...: what a route file may ask the properties for. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.+?)}}");

    private final CamelContext scratch;
    private final EndpointOptionCheck options;
    private Set<String> groups;
    private final Map<String, RouteFileProblem> groupUses = new LinkedHashMap<>();
    private final Map<String, RouteFileProblem> componentUses = new TreeMap<>();
    /** Camel's catalog of all its components, read only when a scheme is not in the image or for a report. */
    private CamelComponents camelComponents;

    private RouteFileCheck(CamelContext scratch, Set<String> groups) {
        this.scratch = scratch;
        this.options = new EndpointOptionCheck(scratch);
        electing(groups); // as configured; null: any group
    }

    /**
     * The groups the files may elect from now on (null: any), for a caller that reads them from this check's own
     * properties ({@link #property}) first.
     */
    public RouteFileCheck electing(Set<String> groups) {
        this.groups = groups == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(groups));
        return this;
    }

    /** A check with the properties of a running context (for a reload); {@code groups} those it may elect. */
    public static RouteFileCheck like(CamelContext live, Set<String> groups) {
        return withProperties(live.getPropertiesComponent().loadProperties(), null, groups);
    }

    /** A check with the jar's application.properties, as a replica started with this environment resolves them. */
    public static RouteFileCheck standalone(Properties overrides, Set<String> groups) {
        return withProperties(overrides, "classpath:application.properties", groups);
    }

    private static RouteFileCheck withProperties(Properties properties, String location, Set<String> groups) {
        DefaultCamelContext scratch = new DefaultCamelContext(false);
        scratch.getCamelContextExtension().setName("k8sensus-route-check");
        scratch.setSourceLocationEnabled(true);
        if (location != null) {
            scratch.getPropertiesComponent().setLocation(location);
        }
        scratch.getPropertiesComponent().setOverrideProperties(properties);
        scratch.build();
        return new RouteFileCheck(scratch, groups);
    }

    /**
     * The groups the checked files' {@code master:} URIs name, each with where it is first named (the message is the
     * URI), for checks against the manifests.
     */
    public Map<String, RouteFileProblem> groupUses() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(groupUses));
    }

    /**
     * The components the checked files' URIs use (the schemes of their endpoints and of the delegates of
     * {@code master:} URIs), by scheme: the artifact each comes from and whether this image has it.
     */
    public List<ComponentUse> components() {
        List<ComponentUse> uses = new ArrayList<>();
        componentUses.forEach((scheme, where) -> {
            boolean inImage = componentExists(scheme);
            String artifact = (inImage ? options.artifact(scheme) : Optional.<String>empty())
                    .or(() -> camelComponents().artifact(scheme))
                    .orElse(null);
            uses.add(new ComponentUse(scheme, artifact, inImage, where));
        });
        return uses;
    }

    private CamelComponents camelComponents() {
        if (camelComponents == null) {
            camelComponents = new CamelComponents();
        }
        return camelComponents;
    }

    /** The routes shipped in the jar (Camel Main's {@code camel.main.routes-include-pattern}), as route files. */
    public List<RouteFile> shippedRoutes() {
        String pattern = property("camel.main.routes-include-pattern").orElse("classpath:routes/*.camel.yaml");
        List<RouteFile> shipped = new ArrayList<>();
        try {
            for (String each : pattern.split(",")) {
                for (Resource resource :
                        PluginHelper.getPackageScanResourceResolver(scratch).findResources(each.trim())) {
                    try (InputStream in = resource.getInputStream()) {
                        String name = resource.getLocation()
                                .substring(resource.getLocation().lastIndexOf('/') + 1);
                        shipped.add(new RouteFile(
                                each.trim().replace("*.camel.yaml", name),
                                Path.of(name),
                                new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the shipped routes (" + pattern + "): " + e.getMessage(), e);
        }
        shipped.sort(Comparator.comparing(RouteFile::shown));
        return shipped;
    }

    /**
     * The route ids {@code files} define, each with the file that defines it, for a check of other files that will
     * run beside them ({@link #check(List, Map)}); files that do not parse define none.
     */
    public Map<String, String> routeIds(List<RouteFile> files) {
        Map<String, String> ids = new LinkedHashMap<>();
        for (RouteFile file : files) {
            try {
                for (RouteDefinition route : parse(file, new ArrayList<>())) {
                    if (route.hasCustomIdAssigned()) {
                        ids.putIfAbsent(route.getRouteId(), file.shown());
                    }
                }
            } catch (Exception e) {
                // its problems are its own, found when it is checked
            }
        }
        return ids;
    }

    /** The value of a property as this check resolves it. */
    public Optional<String> property(String key) {
        return scratch.getPropertiesComponent().resolveProperty(key);
    }

    /** The problems of {@code files}; none if they would all load. */
    public List<RouteFileProblem> check(List<RouteFile> files) {
        return check(files, Map.of());
    }

    /**
     * The same, where {@code otherRouteIds} (route id to where it is defined) are the ids of routes that stay as they
     * are beside these files: a file may not define them again.
     */
    public List<RouteFileProblem> check(List<RouteFile> files, Map<String, String> otherRouteIds) {
        List<RouteFileProblem> problems = new ArrayList<>();
        Map<String, String> ids = new HashMap<>(otherRouteIds);
        for (RouteFile file : files) {
            placeholders(file, problems);
            List<RouteDefinition> routes;
            List<RouteConfigurationDefinition> configurations = new ArrayList<>();
            try {
                routes = parse(file, configurations);
            } catch (Exception e) {
                RouteFileProblem problem = unparsable(file, e);
                if (!alreadyReported(problem, problems)) {
                    problems.add(problem);
                }
                continue;
            }
            for (RouteDefinition route : routes) {
                if (route.hasCustomIdAssigned()) {
                    String earlier = ids.putIfAbsent(route.getRouteId(), file.shown());
                    if (earlier != null) {
                        problems.add(RouteFileProblem.at(
                                file.shown(),
                                line(route),
                                "route id '" + route.getRouteId() + "' is already defined in " + earlier));
                    }
                }
                checkRoute(file, route, problems);
            }
            for (RouteConfigurationDefinition configuration : configurations) {
                List<ProcessorDefinition<?>> handlers = new ArrayList<>();
                handlers.addAll(configuration.getOnExceptions());
                handlers.addAll(configuration.getOnCompletions());
                handlers.addAll(configuration.getIntercepts());
                handlers.addAll(configuration.getInterceptFroms());
                handlers.addAll(configuration.getInterceptSendTos());
                checkSteps(file, handlers, problems);
            }
        }
        return problems;
    }

    /**
     * Camel's model of the file's routes and route configurations, as its routes loader builds it, without adding it
     * to any context.
     */
    private List<RouteDefinition> parse(RouteFile file, List<RouteConfigurationDefinition> configurations)
            throws Exception {
        List<RouteDefinition> routes = new ArrayList<>();
        Collection<RoutesBuilder> builders =
                PluginHelper.getRoutesLoader(scratch).findRoutesBuilders(file.resource());
        for (RoutesBuilder builder : builders) {
            // route configurations first, then routes, as Camel's routes loader reads a file
            if (builder instanceof RouteConfigurationBuilder configurationBuilder) {
                configurationBuilder.setCamelContext(scratch);
                configurationBuilder.configuration();
                configurations.addAll(
                        configurationBuilder.getRouteConfigurationCollection().getRouteConfigurations());
            }
            if (builder instanceof RouteBuilder routeBuilder) {
                routes.addAll(routeBuilder.configureRoutes(scratch).getRoutes());
            }
        }
        return routes;
    }

    private void checkRoute(RouteFile file, RouteDefinition route, List<RouteFileProblem> problems) {
        String from = route.getInput() == null ? null : route.getInput().getEndpointUri();
        String resolved = resolve(from);
        boolean leaderOnly = LeaderOnlyUri.isLeaderOnly(resolved);
        int fromLine = line(route.getInput()) > 0 ? line(route.getInput()) : line(route);
        if (resolved != null) {
            endpoint(file, fromLine, from, resolved, problems);
        }
        String policies = route.getRoutePolicyRef();
        if (policies != null
                && List.of(policies.split(",")).stream().map(String::trim).anyMatch("electionLog"::equals)
                && !leaderOnly
                && resolved != null) {
            problems.add(RouteFileProblem.at(
                    file.shown(),
                    line(route),
                    "route" + id(route) + " uses routePolicy"
                            + " electionLog but starts from '" + from
                            + "': the policy logs the elections of leader-only routes"
                            + " (from: master:<group>:...)"));
        }
        checkSteps(file, route.getOutputs(), problems);
    }

    /** The endpoints of {@code steps} and of the steps inside them: to, toD, wireTap, poll... */
    private void checkSteps(RouteFile file, List<ProcessorDefinition<?>> steps, List<RouteFileProblem> problems) {
        for (EndpointRequiredDefinition to :
                ProcessorDefinitionHelper.filterTypeInOutputs(steps, EndpointRequiredDefinition.class)) {
            String uri = resolve(to.getEndpointUri());
            if (uri != null) {
                endpoint(file, line(to), to.getEndpointUri(), uri, problems);
            }
        }
        for (ToDynamicDefinition to : ProcessorDefinitionHelper.filterTypeInOutputs(steps, ToDynamicDefinition.class)) {
            String uri = resolve(to.getUri());
            if (uri != null) {
                endpoint(file, line(to), to.getUri(), uri, problems);
            }
        }
    }

    /**
     * A URI's group (when leader-only), component and options ({@code written}: as the file writes it, {@code uri}:
     * with its placeholders resolved); a scheme built at run time (${...}) is not checked.
     */
    private void endpoint(RouteFile file, int line, String written, String uri, List<RouteFileProblem> problems) {
        String delegate = uri;
        if (LeaderOnlyUri.isLeaderOnly(uri)) {
            try {
                LeaderOnlyUri parsed = LeaderOnlyUri.parse(uri, groups);
                delegate = parsed.delegateUri();
                groupUses.putIfAbsent(parsed.group(), RouteFileProblem.at(file.shown(), line, uri));
            } catch (InvalidSettingsException e) {
                problems.add(RouteFileProblem.at(file.shown(), line, e.getMessage()));
                try {
                    delegate = LeaderOnlyUri.parse(uri, null).delegateUri(); // a group of its own: its delegate still
                } catch (InvalidSettingsException malformed) {
                    return; // no delegate to check
                }
            }
        }
        int colon = delegate.indexOf(':');
        String scheme = colon < 0 ? delegate : delegate.substring(0, colon);
        if (scheme.contains("${") || scheme.isBlank()) {
            return;
        }
        if (LeaderOnlyUri.isLeaderOnly(uri)) {
            componentUses.putIfAbsent(LeaderOnlyUri.SCHEME, RouteFileProblem.at(file.shown(), line, uri));
        }
        componentUses.putIfAbsent(scheme, RouteFileProblem.at(file.shown(), line, uri));
        if (!componentExists(scheme)) {
            problems.add(RouteFileProblem.at(
                    file.shown(), line, "unknown component '" + scheme + "' in '" + uri + "': " + notInImage(scheme)));
            return;
        }
        if (!LeaderOnlyUri.SCHEME.equals(scheme)) {
            for (EndpointOptionCheck.Wrong wrong : options.check(scheme, delegate, written)) {
                problems.add(RouteFileProblem.at(
                        file.shown(), OptionLine.of(file.content(), line, wrong.option()), wrong.message()));
            }
        }
    }

    /** Why a scheme has no component here: the image lacks Camel's (which artifact), or Camel has none. */
    private String notInImage(String scheme) {
        Optional<String> artifact = camelComponents().artifact(scheme);
        if (artifact.isPresent()) {
            return "no such Camel component in this image (its artifact: " + artifact.get() + "; make components or"
                    + " make image resolves it)";
        }
        String[] near = camelComponents().nearest(scheme);
        return "Camel has no such component (not in the catalog of Camel "
                + camelComponents().version() + ")"
                + (near == null
                        ? ""
                        : "; did you mean "
                                + String.join(
                                        " or ",
                                        List.of(near).stream()
                                                .map(n -> "'" + n + "'")
                                                .toList()) + "?");
    }

    private boolean componentExists(String scheme) {
        if (LeaderOnlyUri.SCHEME.equals(scheme)
                || scratch.getRegistry().lookupByNameAndType(scheme, Component.class) != null) {
            return true;
        }
        return scratch.getCamelContextExtension()
                .getFactoryFinder(DefaultComponentResolver.RESOURCE_PATH)
                .findClass(scheme)
                .isPresent();
    }

    /** Placeholders of the file that no property resolves; those with a default, optional ones and functions pass. */
    private void placeholders(RouteFile file, List<RouteFileProblem> problems) {
        Matcher m = PLACEHOLDER.matcher(file.content());
        Map<String, Integer> unresolved = new LinkedHashMap<>();
        while (m.find()) {
            String key = m.group(1).trim();
            if (key.startsWith("?") || key.contains(":") || property(key).isPresent()) {
                continue; // optional, with a default or a function (env:, sys:, bean:...), or resolved
            }
            unresolved.putIfAbsent(key, lineOf(file.content(), m.start()));
        }
        unresolved.forEach((key, line) -> problems.add(RouteFileProblem.at(
                file.shown(),
                line,
                "unresolved placeholder {{" + key + "}}: no such property in application.properties, the environment ("
                        + key.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_")
                        + ") or the system properties")));
    }

    /** A URI with its placeholders resolved, or null when one does not resolve (reported by the placeholder scan). */
    private String resolve(String uri) {
        if (uri == null) {
            return null;
        }
        try {
            return scratch.resolvePropertyPlaceholders(uri);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A bean of the file that failed on a placeholder the scan already reported, with its line. */
    private static boolean alreadyReported(RouteFileProblem problem, List<RouteFileProblem> problems) {
        Matcher key = Pattern.compile("Property with key \\[([^]]+)]").matcher(problem.message());
        return key.find()
                && problems.stream()
                        .anyMatch(p -> p.file().equals(problem.file())
                                && p.message().startsWith("unresolved placeholder {{" + key.group(1) + "}}"));
    }

    private static RouteFileProblem unparsable(RouteFile file, Exception e) {
        MarkedYamlEngineException marked = RootCause.find(e, MarkedYamlEngineException.class);
        if (marked != null) {
            return RouteFileProblem.ofYaml(file.shown(), marked);
        }
        InvalidSettingsException invalid = RootCause.find(e, InvalidSettingsException.class);
        return RouteFileProblem.at(file.shown(), 0, invalid != null ? invalid.getMessage() : RootCause.describe(e));
    }

    private static int line(Object node) {
        return node instanceof LineNumberAware aware ? Math.max(aware.getLineNumber(), 0) : 0;
    }

    private static String id(RouteDefinition route) {
        return route.hasCustomIdAssigned() ? " '" + route.getRouteId() + "'" : "";
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    @Override
    public void close() {
        try {
            scratch.close();
        } catch (Exception e) {
            // a context that was never started has nothing left to stop
        }
    }
}
