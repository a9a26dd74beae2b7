package io.k8sensus.routes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What a directory of manifests (k8s/) says about the groups: the Lease names its Role lets the replicas use
 * (the {@code resourceNames} of its rules on {@code leases}), and the groups and Lease prefix its Deployment sets
 * ({@code K8SENSUS_ELECTION_GROUPS}, {@code K8SENSUS_ELECTION_LEASE_PREFIX}). Read from the YAML files of the
 * directory itself, as {@code kubectl apply -k} takes them from kustomization.yaml's resources.
 */
public record ManifestCheck(Path dir, Set<String> leaseNames, Optional<String> groups, Optional<String> leasePrefix) {

    public static ManifestCheck read(Path dir) {
        Set<String> leases = new LinkedHashSet<>();
        String groups = null;
        String prefix = null;
        for (Object doc : documents(dir)) {
            if (!(doc instanceof Map<?, ?> manifest)) {
                continue;
            }
            Object kind = manifest.get("kind");
            if ("Role".equals(kind) || "ClusterRole".equals(kind)) {
                for (Map<?, ?> rule : maps(manifest.get("rules"))) {
                    if (list(rule.get("resources")).contains("leases")) {
                        list(rule.get("resourceNames")).forEach(n -> leases.add(String.valueOf(n)));
                    }
                }
            } else if ("Deployment".equals(kind) || "StatefulSet".equals(kind)) {
                for (Map<?, ?> container : containers(manifest)) {
                    for (Map<?, ?> env : maps(container.get("env"))) {
                        if ("K8SENSUS_ELECTION_GROUPS".equals(env.get("name")) && env.get("value") != null) {
                            groups = String.valueOf(env.get("value"));
                        } else if ("K8SENSUS_ELECTION_LEASE_PREFIX".equals(env.get("name"))
                                && env.get("value") != null) {
                            prefix = String.valueOf(env.get("value"));
                        }
                    }
                }
            }
        }
        return new ManifestCheck(
                dir,
                Collections.unmodifiableSortedSet(new TreeSet<>(leases)),
                Optional.ofNullable(groups),
                Optional.ofNullable(prefix));
    }

    private static List<Object> documents(Path dir) {
        List<Object> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(
                            f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList()) {
                new Load(LoadSettings.builder().setLabel(file.toString()).build())
                        .loadAllFromString(Files.readString(file))
                        .forEach(documents::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the manifests in " + dir + " cannot be read: " + e.getMessage(), e);
        }
        return documents;
    }

    private static List<Map<?, ?>> containers(Map<?, ?> workload) {
        Object spec = workload.get("spec");
        Object template = spec instanceof Map<?, ?> s ? s.get("template") : null;
        Object podSpec = template instanceof Map<?, ?> t ? t.get("spec") : null;
        return podSpec instanceof Map<?, ?> p ? maps(p.get("containers")) : List.of();
    }

    private static List<Map<?, ?>> maps(Object value) {
        return list(value).stream()
                .filter(Map.class::isInstance)
                .<Map<?, ?>>map(m -> (Map<?, ?>) m)
                .toList();
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> l ? l : List.of();
    }
}
