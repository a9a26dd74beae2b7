package io.k8sensus.routes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changed in a routes directory between two readings, by file name: added, changed (other content) and removed
 * files. A file rewritten with the same content is no change, so an editor's save or a ConfigMap swap that leaves a
 * file as it was reloads nothing.
 */
public record RouteFileChanges(List<RouteFile> added, List<RouteFile> changed, List<RouteFile> removed) {

    public static RouteFileChanges between(List<RouteFile> before, List<RouteFile> after) {
        Map<String, RouteFile> old = byName(before);
        Map<String, RouteFile> now = byName(after);
        List<RouteFile> added = new ArrayList<>();
        List<RouteFile> changed = new ArrayList<>();
        List<RouteFile> removed = new ArrayList<>();
        now.forEach((name, file) -> {
            RouteFile was = old.get(name);
            if (was == null) {
                added.add(file);
            } else if (!Objects.equals(was.content(), file.content())) {
                changed.add(file);
            }
        });
        old.forEach((name, file) -> {
            if (!now.containsKey(name)) {
                removed.add(file);
            }
        });
        return new RouteFileChanges(List.copyOf(added), List.copyOf(changed), List.copyOf(removed));
    }

    public boolean isEmpty() {
        return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }

    /** The files whose new content is to be loaded: the added and the changed ones. */
    public List<RouteFile> toLoad() {
        List<RouteFile> load = new ArrayList<>(added);
        load.addAll(changed);
        return load;
    }

    /** The files whose routes go: the changed and the removed ones. */
    public List<RouteFile> toUnload() {
        List<RouteFile> unload = new ArrayList<>(changed);
        unload.addAll(removed);
        return unload;
    }

    private static Map<String, RouteFile> byName(List<RouteFile> files) {
        Map<String, RouteFile> map = new LinkedHashMap<>();
        files.forEach(f -> map.put(f.path().getFileName().toString(), f));
        return map;
    }
}
