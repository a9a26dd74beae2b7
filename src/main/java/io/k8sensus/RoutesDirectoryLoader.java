package io.k8sensus;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.k8sensus.camel.LeaseClusterService;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.routes.RouteFile;
import io.k8sensus.routes.RouteFileCheck;
import io.k8sensus.routes.RouteFileProblem;
import io.k8sensus.routes.RouteFilesReloader;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the {@code *.camel.yaml} routes of {@code k8sensus.routes.dir} (where a ConfigMap is mounted) beside the
 * shipped ones, once they are checked ({@link RouteFileCheck}: every problem of every file, one line each), and, with
 * {@code k8sensus.routes.reload=true}, reloads them when they change ({@link RouteFilesReloader}). Camel Main's include
 * pattern fails on a directory that does not exist, and the directory is optional, so it is loaded here through
 * Camel's own routes loader once the shipped routes are in.
 */
public class RoutesDirectoryLoader extends MainListenerSupport {

    public static final String KEY_ROUTES_DIR = "k8sensus.routes.dir";
    public static final String KEY_RELOAD = "k8sensus.routes.reload";
    private static final Logger LOG = LoggerFactory.getLogger(RoutesDirectoryLoader.class);

    @Override
    public void afterConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        String dir = context.getPropertiesComponent().resolveProperty(KEY_ROUTES_DIR).orElse("").trim();
        if (dir.isEmpty()) {
            return;
        }
        Path path = Path.of(dir);
        if (!Files.isDirectory(path)) {
            throw new InvalidSettingsException(KEY_ROUTES_DIR + " = " + dir + " is not a directory");
        }
        List<RouteFile> files;
        try {
            files = RouteFile.read(path);
        } catch (UncheckedIOException e) {
            throw new InvalidSettingsException(KEY_ROUTES_DIR + " = " + e.getMessage());
        }
        Set<String> groups = ElectionSettings.parseGroups(
                context.getPropertiesComponent().resolveProperty(ElectionSettings.KEY_GROUPS).orElse(""));
        List<RouteFileProblem> problems;
        try (RouteFileCheck check = RouteFileCheck.like(context, groups)) {
            problems = check.check(files, shippedRouteIds(context));
        }
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems.size() == 1 ? problems.get(0).toString()
                    : problems.size() + " problems in the route files: " + String.join("; ",
                    problems.stream().map(RouteFileProblem::toString).toList()));
        }
        LOG.info("Loading {} route file(s) from {} = {}", files.size(), KEY_ROUTES_DIR, dir);
        try {
            PluginHelper.getRoutesLoader(context).loadRoutes(files.stream().map(RouteFile::resource).toList());
        } catch (Exception e) {
            throw RouteFileErrors.describe(e);
        }
        if (Boolean.parseBoolean(context.getPropertiesComponent().resolveProperty(KEY_RELOAD).orElse("false").trim())) {
            LeaseClusterService service = context.getRegistry().lookupByNameAndType("leaseClusterService",
                    LeaseClusterService.class);
            String pod = service == null ? "" : service.settings().podName();
            try {
                context.addService(new RouteFilesReloader(path, files, groups, pod), true, false);
            } catch (Exception e) {
                throw new IllegalStateException("Cannot watch " + KEY_ROUTES_DIR + " = " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    /** The ids of the routes already defined (the shipped ones), with where they come from. */
    private static Map<String, String> shippedRouteIds(CamelContext context) {
        Map<String, String> ids = new HashMap<>();
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        for (RouteDefinition route : model.getRouteDefinitions()) {
            if (route.hasCustomIdAssigned()) {
                ids.put(route.getRouteId(), route.getResource() != null ? route.getResource().getLocation()
                        : "this application");
            }
        }
        return ids;
    }
}
