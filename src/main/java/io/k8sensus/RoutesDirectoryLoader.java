package io.k8sensus;

import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.routes.RouteFile;
import io.k8sensus.routes.RouteFileCheck;
import io.k8sensus.routes.RouteFileProblem;
import io.k8sensus.routes.RouteFilesReloader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every route file before Camel reads any, and loads those of {@code k8sensus.routes.dir}. The shipped routes
 * (Camel Main's {@code camel.main.routes-include-pattern}) and the {@code *.camel.yaml} files of
 * {@code k8sensus.routes.dir} (where a ConfigMap is mounted) are checked together by {@link RouteFileCheck}, the check
 * {@code validate} runs, before Camel Main loads the shipped ones: a file it refuses stops the start with validate's
 * own line ({@code file:line: what}), before any endpoint is created and before any election. The directory's files, as
 * checked, are then loaded beside the shipped routes, and with {@code k8sensus.routes.reload=true} reloaded when they
 * change ({@link RouteFilesReloader}). Camel Main's include pattern fails on a directory that does not exist, and the
 * directory is optional, so it is loaded here through Camel's own routes loader once the shipped routes are in.
 */
public class RoutesDirectoryLoader extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RoutesDirectoryLoader.class);

    /** The replica's settings, from the context (read once, shared with the election's beans). */
    private final Function<CamelContext, ElectionSettings> settingsOf;

    private ElectionSettings settings;

    /** The directory's files as they were checked (what is loaded), or null when there is no directory. */
    private List<RouteFile> files;

    private Path path;

    public RoutesDirectoryLoader(Function<CamelContext, ElectionSettings> settingsOf) {
        this.settingsOf = settingsOf;
    }

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        settings = settingsOf.apply(context);
        String dir = settings.routesDir();
        files = null;
        if (dir != null) {
            path = Path.of(dir);
            if (!Files.isDirectory(path)) {
                throw new InvalidSettingsException(
                        ElectionSettings.KEY_ROUTES_DIR + " = " + dir + " is not a directory");
            }
            try {
                files = RouteFile.read(path);
            } catch (UncheckedIOException e) {
                throw new InvalidSettingsException(ElectionSettings.KEY_ROUTES_DIR + " = " + e.getMessage());
            }
        }
        List<RouteFileProblem> problems;
        try (RouteFileCheck check = RouteFileCheck.like(context, settings.groups())) {
            List<RouteFile> all = new ArrayList<>(check.shippedRoutes());
            if (files != null) {
                all.addAll(files);
            }
            problems = check.check(all);
        }
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(
                    problems.size() == 1
                            ? problems.get(0).toString()
                            : problems.size() + " problems in the route files: "
                                    + String.join(
                                            "; ",
                                            problems.stream()
                                                    .map(RouteFileProblem::toString)
                                                    .toList()));
        }
    }

    @Override
    public void afterConfigure(BaseMainSupport main) {
        if (files == null) {
            return;
        }
        CamelContext context = main.getCamelContext();
        LOG.info("Loading {} route file(s) from {} = {}", files.size(), ElectionSettings.KEY_ROUTES_DIR, path);
        try {
            PluginHelper.getRoutesLoader(context)
                    .loadRoutes(files.stream().map(RouteFile::resource).toList());
        } catch (Exception e) {
            throw RouteFileErrors.describe(e);
        }
        if (settings.reloadRoutes()) {
            try {
                context.addService(
                        new RouteFilesReloader(path, files, settings.groups(), settings.podName()), true, false);
            } catch (Exception e) {
                throw new IllegalStateException(
                        "Cannot watch " + ElectionSettings.KEY_ROUTES_DIR + " = " + path + ": " + e.getMessage(), e);
            }
        }
    }
}
