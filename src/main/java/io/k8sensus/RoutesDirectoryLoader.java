package io.k8sensus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.k8sensus.config.InvalidSettingsException;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the {@code *.camel.yaml} routes of {@code k8sensus.routes.dir} (where a ConfigMap is mounted) beside the
 * shipped ones. Camel Main's include pattern fails on a directory that does not exist, and the directory is optional,
 * so it is loaded here through Camel's own routes loader once the shipped routes are in.
 */
public class RoutesDirectoryLoader extends MainListenerSupport {

    public static final String KEY_ROUTES_DIR = "k8sensus.routes.dir";
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
        List<Resource> resources;
        try (Stream<Path> files = Files.list(path)) {
            // a ConfigMap volume also holds ..data and ..<timestamp> entries: only regular *.camel.yaml files count
            resources = files.filter(p -> p.getFileName().toString().endsWith(".camel.yaml"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .map(p -> ResourceHelper.resolveResource(context, "file:" + p.toAbsolutePath()))
                    .toList();
        } catch (IOException e) {
            throw new InvalidSettingsException(KEY_ROUTES_DIR + " = " + dir + " cannot be read: " + e.getMessage());
        }
        LOG.info("Loading {} route file(s) from {} = {}", resources.size(), KEY_ROUTES_DIR, dir);
        try {
            PluginHelper.getRoutesLoader(context).loadRoutes(resources);
        } catch (Exception e) {
            throw RouteFileErrors.describe(e);
        }
    }
}
