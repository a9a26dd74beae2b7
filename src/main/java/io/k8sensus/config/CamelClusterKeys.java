package io.k8sensus.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keys a camel-master application already has for Camel's Kubernetes cluster service
 * ({@code camel.cluster.kubernetes.*} on Camel Spring Boot, {@code quarkus.camel.cluster.kubernetes.*} on Camel
 * Quarkus), read as the k8sensus keys that mean the same thing, so that a migrating application's settings take
 * effect instead of being ignored. A key that means the same is accepted (one line names the k8sensus key); a key
 * whose meaning k8sensus cannot keep is refused with the reason; a key Camel does not know is refused as a typo.
 * docs/MIGRATING.md lists them.
 */
public final class CamelClusterKeys {

    /** The prefixes of Camel Spring Boot and Camel Quarkus (Camel Main takes the first). */
    public static final List<String> PREFIXES =
            List.of("camel.cluster.kubernetes.", "quarkus.camel.cluster.kubernetes.");

    /** Camel's key (after the prefix, in kebab case) and the k8sensus key it is read as. */
    private static final Map<String, String> SAME_MEANING = Map.ofEntries(
            Map.entry("master-url", ElectionSettings.KEY_MASTER_URL),
            Map.entry("namespace", ElectionSettings.KEY_NAMESPACE),
            Map.entry("kubernetes-namespace", ElectionSettings.KEY_NAMESPACE),
            Map.entry("kubernetes-resources-namespace", ElectionSettings.KEY_NAMESPACE),
            Map.entry("pod-name", ElectionSettings.KEY_POD_NAME),
            Map.entry("lease-duration-millis", ElectionSettings.KEY_LEASE_DURATION),
            Map.entry("renew-deadline-millis", ElectionSettings.KEY_RENEW_DEADLINE),
            Map.entry("retry-period-millis", ElectionSettings.KEY_RETRY_PERIOD),
            Map.entry("jitter-factor", ElectionSettings.KEY_JITTER),
            // Camel names the Lease of group g <resource name>-g, as k8sensus names it <lease prefix>-g
            Map.entry("kubernetes-resource-name", ElectionSettings.KEY_LEASE_PREFIX),
            Map.entry("config-map-name", ElectionSettings.KEY_LEASE_PREFIX),
            Map.entry("resource-name", ElectionSettings.KEY_LEASE_PREFIX),
            // Camel Quarkus spreads the groups' leaders over the replicas, as balancing does
            Map.entry("rebalancing", ElectionSettings.KEY_BALANCE));

    /** Keys that only name or order cluster services; k8sensus runs one, so they change nothing. */
    private static final List<String> NO_EFFECT = List.of("id", "order", "attributes");

    private CamelClusterKeys() {}

    /**
     * What the Camel keys of a replica amount to.
     *
     * @param values  the k8sensus keys they set, and the values
     * @param sources for each k8sensus key set, the Camel key it came from (to name it in errors)
     * @param lines   one line per Camel key taken, for the start-up log
     * @param refused one reason per Camel key that cannot be kept; start-up refuses them all
     */
    public record Reading(
            Map<String, String> values, Map<String, String> sources, List<String> lines, List<String> refused) {

        /** The key a person wrote for {@code k8sensusKey}: the Camel key it came from, else the k8sensus key. */
        public String nameOf(String k8sensusKey) {
            return sources.getOrDefault(k8sensusKey, k8sensusKey);
        }
    }

    /**
     * Reads the Camel cluster keys among {@code properties} (keys as written, any others ignored); relaxed names as
     * Spring Boot binds them ({@code renewDeadlineMillis}, {@code renew_deadline_millis}) count as the same key.
     */
    public static Reading read(Map<String, String> properties) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        List<String> labelKeys = new ArrayList<>();
        for (Map.Entry<String, String> entry : new TreeMap<>(properties).entrySet()) {
            String written = entry.getKey();
            String prefix =
                    PREFIXES.stream().filter(written::startsWith).findFirst().orElse(null);
            if (prefix == null) {
                continue;
            }
            String value = entry.getValue() == null ? "" : entry.getValue().trim();
            String rest = written.substring(prefix.length());
            String label = labelName(rest);
            if (label != null) {
                labels.put(label, value);
                labelKeys.add(written);
                continue;
            }
            String name = kebab(rest);
            String k8sensusKey = SAME_MEANING.get(name);
            if (k8sensusKey != null) {
                values.put(k8sensusKey, value);
                sources.put(k8sensusKey, written);
                lines.add(written + "=" + value + " is read as " + k8sensusKey);
            } else if (NO_EFFECT.contains(name) || name.startsWith("attributes")) {
                lines.add(written + " has no effect: k8sensus runs one cluster service for the whole application");
            } else if (name.equals("enabled")) {
                if (Boolean.parseBoolean(value)) {
                    lines.add(written + "=true is what k8sensus does: it always elects through Leases");
                } else {
                    refused.add(written + "=" + value + " turns Camel's Kubernetes cluster service off, and k8sensus"
                            + " is that service: remove the key (run without k8sensus to run without elections)");
                }
            } else if (name.equals("lease-resource-type")) {
                if (value.equalsIgnoreCase("lease")) {
                    lines.add(written + "=" + value + " is what k8sensus does: it elects through Leases");
                } else {
                    refused.add(written + "=" + value + ": k8sensus elects through coordination.k8s.io Leases only;"
                            + " move to Leases first (Camel's own lease-resource-type=Lease), then to k8sensus"
                            + " (docs/MIGRATING.md)");
                }
            } else if (name.equals("connection-timeout-millis")) {
                refused.add(written + " bounds connecting only, and k8sensus bounds each whole API call: set "
                        + ElectionSettings.KEY_CALL_TIMEOUT + " (below the renew deadline) instead");
            } else if (name.startsWith("cluster-labels-") || name.startsWith("labels-")) {
                refused.add(written + ": a label key cannot be read from an environment variable's name (it has '.'"
                        + " and '/'): set " + ElectionSettings.KEY_LABELS + " (key=value,...) instead");
            } else if (name.equals("cluster-labels") || name.equals("labels")) {
                labels.putAll(ElectionSettings.parseLabels(value));
                labelKeys.add(written);
            } else {
                refused.add(written + " is not a key of Camel's Kubernetes cluster service (docs/MIGRATING.md lists"
                        + " them)");
            }
        }
        if (!labelKeys.isEmpty()) {
            String text = String.join(
                    ",",
                    labels.entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue())
                            .toList());
            values.put(ElectionSettings.KEY_LABELS, text);
            sources.put(ElectionSettings.KEY_LABELS, String.join(", ", labelKeys));
            lines.add(String.join(", ", labelKeys) + " are read as " + ElectionSettings.KEY_LABELS + "=" + text);
        }
        return new Reading(
                Collections.unmodifiableMap(values),
                Collections.unmodifiableMap(sources),
                List.copyOf(lines),
                List.copyOf(refused));
    }

    /**
     * The label of {@code cluster-labels[app]}, {@code cluster-labels.app} (Spring Boot) or {@code labels."app"}
     * (Quarkus); null when {@code rest} is not one label.
     */
    private static String labelName(String rest) {
        for (String map : List.of("cluster-labels", "clusterLabels", "labels")) {
            if (rest.startsWith(map + "[") && rest.endsWith("]")) {
                return unquote(rest.substring(map.length() + 1, rest.length() - 1));
            }
            if (rest.startsWith(map + ".") && rest.length() > map.length() + 1) {
                return unquote(rest.substring(map.length() + 1));
            }
        }
        return null;
    }

    private static String unquote(String text) {
        return text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")
                ? text.substring(1, text.length() - 1)
                : text;
    }

    /** {@code renewDeadlineMillis} and {@code renew_deadline_millis} as {@code renew-deadline-millis}. */
    static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-').toLowerCase(Locale.ROOT);
    }

    /**
     * The Camel keys set as environment variables ({@code CAMEL_CLUSTER_KUBERNETES_RENEW_DEADLINE_MILLIS}), named as
     * their properties; a variable under the prefixes that matches no key is kept under its own name, to be refused.
     */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> found = new LinkedHashMap<>();
        List<String> known = new ArrayList<>(SAME_MEANING.keySet());
        known.addAll(NO_EFFECT);
        known.addAll(List.of("enabled", "lease-resource-type", "connection-timeout-millis"));
        for (Map.Entry<String, String> entry : environment.entrySet()) {
            for (String prefix : PREFIXES) {
                String envPrefix = envName(prefix);
                if (!entry.getKey().startsWith(envPrefix)) {
                    continue;
                }
                String rest = entry.getKey().substring(envPrefix.length());
                String name = known.stream()
                        .filter(k -> envName(k).equals(rest))
                        .findFirst()
                        .orElse(rest.toLowerCase(Locale.ROOT).replace('_', '-'));
                found.put(prefix + name, entry.getValue());
            }
        }
        return found;
    }

    private static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
