package io.k8sensus.routes;

import io.k8sensus.camel.ElectionLogPolicy;
import io.k8sensus.kube.RootCause;
import io.k8sensus.log.KeyValueLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Route;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.component.master.MasterEndpoint;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.cluster.ClusterServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live reload of the route files of {@code k8sensus.routes.dir}: a file added, changed or removed is loaded, reloaded
 * or unloaded while the replica runs, within a fraction of a second, and only that file's routes change.
 * <p>
 * Camel's own {@code RouteWatcherReloadStrategy} ({@code camel.main.routes-reload-enabled}) is not used, for three
 * reasons that matter here: by default it stops and removes every route of the application at each change (every
 * group's leader-only routes would stop); without that it cannot unload a deleted file; and it skips the events of a
 * ConfigMap volume, where Kubernetes swaps the {@code ..data} link to a new directory and the files themselves, links
 * through it, never change. So this watches the directory (Java's WatchService, which Camel's strategy uses too) for
 * any event, then reads all the files and compares them with what runs ({@link RouteFileChanges}).
 * <p>
 * A changed file is first checked as at start-up ({@link RouteFileCheck}): a broken one is refused with one line per
 * problem, and its previous routes keep running. Reloading never costs leadership: the views of the groups whose
 * routes are swapped are held during the swap, so that the group's Lease stays with its holder, with the same epoch;
 * a group left without routes is let go once the reload is complete.
 */
public final class RouteFilesReloader extends ServiceSupport implements CamelContextAware {

    /** How long the directory must be quiet before it is read: the events of one save or one swap come together. */
    static final long QUIET_MS = 200;

    static final String LOGGER_NAME = "k8sensus.routes";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private final Path dir;
    private final Set<String> groups;
    private final String pod;
    private CamelContext context;
    /** What runs, by file name. */
    private final Map<String, RouteFile> loaded = new LinkedHashMap<>();
    /** Contents refused, by file name: not checked and logged again until they change. */
    private final Map<String, String> refused = new HashMap<>();

    private WatchService watcher;
    private Thread thread;

    /** {@code running}: the files already loaded at start-up. */
    public RouteFilesReloader(Path dir, List<RouteFile> running, Set<String> groups, String pod) {
        this.dir = dir;
        this.groups = Set.copyOf(groups);
        this.pod = pod;
        running.forEach(f -> loaded.put(name(f), f));
    }

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    @Override
    protected void doStart() throws IOException {
        watcher = dir.getFileSystem().newWatchService();
        dir.register(
                watcher,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        thread = new CamelThreadFactory("#name#", "k8sensus-route-reload", true).newThread(this::watch);
        thread.start();
        KeyValueLog.info(LOG, "event=routes-watched pod={} dir={} files={}", pod, dir, loaded.size());
    }

    @Override
    protected void doStop() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
    }

    private void watch() {
        boolean dirty = false;
        try {
            while (isRunAllowed()) {
                WatchKey key = dirty ? watcher.poll(QUIET_MS, TimeUnit.MILLISECONDS) : watcher.take();
                if (key != null) {
                    key.pollEvents();
                    if (!key.reset()) {
                        KeyValueLog.warn(
                                LOG,
                                "event=routes-unwatched pod={} dir={} reason=\"the directory is gone;"
                                        + " the routes loaded from it keep running\"",
                                pod,
                                dir);
                        return;
                    }
                    dirty = true;
                } else if (dirty) {
                    dirty = false;
                    reload();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // stopping
        }
    }

    /** Reads the directory and applies what changed; the watcher calls it, and tests may too. */
    synchronized void reload() {
        List<RouteFile> now;
        try {
            now = RouteFile.read(dir);
        } catch (UncheckedIOException e) {
            KeyValueLog.warn(
                    LOG,
                    "event=routes-reload-failed pod={} dir={} reason=\"{}\"; the routes keep running",
                    pod,
                    dir,
                    e.getMessage());
            return;
        }
        RouteFileChanges changes = RouteFileChanges.between(List.copyOf(loaded.values()), now);
        for (RouteFile file : changes.removed()) {
            refused.remove(name(file));
            swap(file, null, "removed");
        }
        for (RouteFile file : changes.toLoad()) {
            if (file.content().equals(refused.get(name(file)))) {
                continue;
            }
            List<RouteFileProblem> problems = check(file);
            if (!problems.isEmpty()) {
                refused.put(name(file), file.content());
                problems.forEach(p -> KeyValueLog.warn(
                        LOG,
                        "event=routes-refused pod={} file={} problem=\"{}\"; {}",
                        pod,
                        file.path(),
                        p,
                        loaded.containsKey(name(file)) ? "its previous routes keep running" : "not loaded"));
                continue;
            }
            refused.remove(name(file));
            swap(loaded.get(name(file)), file, loaded.containsKey(name(file)) ? "changed" : "added");
        }
        if (!changes.isEmpty()) {
            context.getRegistry()
                    .findByType(ElectionLogPolicy.class)
                    .forEach(ElectionLogPolicy::releaseGroupsWithoutRoutes);
        }
    }

    private List<RouteFileProblem> check(RouteFile file) {
        Map<String, String> others = new HashMap<>();
        for (Route route : context.getRoutes()) {
            if (!isFrom(route, file)) {
                others.put(
                        route.getRouteId(),
                        route.getSourceLocationShort() != null
                                ? route.getSourceLocationShort()
                                : String.valueOf(
                                        route.getSourceResource() == null
                                                ? "this application"
                                                : route.getSourceResource().getLocation()));
            }
        }
        try (RouteFileCheck check = RouteFileCheck.like(context, groups)) {
            return check.check(List.of(file), others);
        }
    }

    /**
     * Replaces the routes of {@code old} (none if null) by those of {@code now} (none if null), holding the views of
     * the groups involved so that no Lease is released on the way.
     */
    private void swap(RouteFile old, RouteFile now, String change) {
        RouteFile file = now != null ? now : old;
        List<Route> going = old == null
                ? List.of()
                : context.getRoutes().stream().filter(r -> isFrom(r, old)).toList();
        List<CamelClusterView> held = hold(going);
        try {
            for (Route route : going) {
                context.getRouteController().stopRoute(route.getRouteId());
                context.removeRoute(route.getRouteId());
            }
            if (now != null) {
                PluginHelper.getRoutesLoader(context).loadRoutes(List.of(now.resource()));
                loaded.put(name(now), now);
            } else {
                loaded.remove(name(old));
            }
            List<String> ids = context.getRoutes().stream()
                    .filter(r -> isFrom(r, file))
                    .map(Route::getRouteId)
                    .toList();
            KeyValueLog.info(
                    LOG,
                    "event=routes-reloaded pod={} file={} change={} routes={}",
                    pod,
                    file.path(),
                    change,
                    ids.isEmpty() ? "none" : String.join(",", ids));
        } catch (Exception e) {
            KeyValueLog.warn(
                    LOG,
                    "event=routes-refused pod={} file={} problem=\"{}\"; {}",
                    pod,
                    file.path(),
                    RootCause.describe(e),
                    old != null ? "its previous routes are restored" : "not loaded");
            restore(old);
        } finally {
            release(held);
        }
    }

    /** After a swap that failed half-way: the previous content of the file back, as it ran. */
    private void restore(RouteFile old) {
        if (old == null) {
            return;
        }
        try {
            for (Route route :
                    context.getRoutes().stream().filter(r -> isFrom(r, old)).toList()) {
                context.getRouteController().stopRoute(route.getRouteId());
                context.removeRoute(route.getRouteId());
            }
            PluginHelper.getRoutesLoader(context).loadRoutes(List.of(old.resource()));
        } catch (Exception e) {
            KeyValueLog.error(
                    LOG,
                    "event=routes-lost pod={} file={} reason=\"{}\": its routes are not running; fix the"
                            + " file to load them again",
                    pod,
                    old.path(),
                    RootCause.describe(e));
            loaded.remove(name(old));
        }
    }

    private List<CamelClusterView> hold(List<Route> routes) {
        Set<String> groupsOfRoutes = new LinkedHashSet<>();
        routes.forEach(r -> {
            if (r.getEndpoint() instanceof MasterEndpoint master) {
                groupsOfRoutes.add(master.getNamespace());
            }
        });
        List<CamelClusterView> views = new ArrayList<>();
        if (groupsOfRoutes.isEmpty()) {
            return views;
        }
        CamelClusterService service =
                ClusterServiceHelper.lookupService(context).orElse(null);
        if (service == null) {
            return views;
        }
        for (String group : groupsOfRoutes) {
            try {
                views.add(service.getView(group));
            } catch (Exception e) {
                LOG.debug("Cannot hold the view of group {}", group, e);
            }
        }
        return views;
    }

    private void release(List<CamelClusterView> views) {
        CamelClusterService service =
                ClusterServiceHelper.lookupService(context).orElse(null);
        for (CamelClusterView view : views) {
            try {
                service.releaseView(view);
            } catch (Exception e) {
                LOG.debug("Cannot release the view of group {}", view.getNamespace(), e);
            }
        }
    }

    private static boolean isFrom(Route route, RouteFile file) {
        return route.getSourceResource() != null
                && file.location().equals(route.getSourceResource().getLocation());
    }

    private static String name(RouteFile file) {
        return file.path().getFileName().toString();
    }
}
