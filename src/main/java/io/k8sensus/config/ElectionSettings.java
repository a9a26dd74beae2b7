package io.k8sensus.config;

import io.k8sensus.elector.Timings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The validated settings of one replica: every {@code k8sensus.*} key the application reads, read once ({@link #read}),
 * parsed and validated together. Every value comes from {@code application.properties} (or an environment variable /
 * system property overriding it, or a Camel cluster key that means the same); {@link #validate()} enforces the rules
 * between them.
 *
 * @param podName         this replica's identity in the Lease; must be the name of its Pod
 * @param namespace       where the Leases and candidate Pods live; null means the client's own namespace
 * @param candidateLabels labels that mark the Pods taking part in the election
 * @param leasePrefix     the Lease of group {@code g} is named {@code <leasePrefix>-g}
 * @param groups          the election groups that {@code master:<group>:...} routes may use
 * @param timings         the lease duration, renew deadline, retry period and jitter, as the elector takes them
 * @param masterUrl       API server URL; null means in-cluster config or kubeconfig
 * @param callTimeoutMs   longest that one API call (one attempt, no retry) may block; below the renew deadline
 * @param releaseOnShutdown clear the Lease holder when this replica stops, after its leader-only routes stopped
 * @param balance         spread the groups over the candidates
 * @param labelLeader     label the leader's own Pod {@code k8sensus.io/leader-<group>=true} while it leads
 * @param routesDir       directory of more route files; null means none
 * @param reloadRoutes    reload the files of {@code routesDir} when they change
 */
public record ElectionSettings(
        String podName,
        String namespace,
        Map<String, String> candidateLabels,
        String leasePrefix,
        Set<String> groups,
        Timings timings,
        String masterUrl,
        long callTimeoutMs,
        boolean releaseOnShutdown,
        boolean balance,
        boolean labelLeader,
        String routesDir,
        boolean reloadRoutes) {

    public static final String KEY_POD_NAME = "k8sensus.election.pod-name";
    public static final String KEY_NAMESPACE = "k8sensus.kubernetes.namespace";
    public static final String KEY_LABELS = "k8sensus.election.candidate-labels";
    public static final String KEY_LEASE_PREFIX = "k8sensus.election.lease-prefix";
    public static final String KEY_GROUPS = "k8sensus.election.groups";
    public static final String KEY_LEASE_DURATION = "k8sensus.election.lease-duration-ms";
    public static final String KEY_RENEW_DEADLINE = "k8sensus.election.renew-deadline-ms";
    public static final String KEY_RETRY_PERIOD = "k8sensus.election.retry-period-ms";
    public static final String KEY_JITTER = "k8sensus.election.jitter";
    public static final String KEY_MASTER_URL = "k8sensus.kubernetes.master-url";
    public static final String KEY_CALL_TIMEOUT = "k8sensus.kubernetes.call-timeout-ms";
    public static final String KEY_RELEASE_ON_SHUTDOWN = "k8sensus.election.release-on-shutdown";
    /** A key of earlier versions, which chose between two electors; read only to say that it is no longer. */
    public static final String KEY_ALGORITHM = "k8sensus.election.algorithm";

    public static final String KEY_BALANCE = "k8sensus.election.balance";
    public static final String KEY_LABEL_LEADER = "k8sensus.election.label-leader";
    public static final String KEY_ROUTES_DIR = "k8sensus.routes.dir";
    public static final String KEY_RELOAD = "k8sensus.routes.reload";

    /** A DNS-1123 label: what a group name must be so that the Lease name is exactly prefix-group. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private static final int MAX_LEASE_NAME = 253;

    public ElectionSettings {
        candidateLabels = Collections.unmodifiableMap(new LinkedHashMap<>(candidateLabels));
        groups = Collections.unmodifiableSet(new LinkedHashSet<>(groups));
        podName = blankToNull(podName);
        namespace = blankToNull(namespace);
        masterUrl = blankToNull(masterUrl);
        routesDir = blankToNull(routesDir);
    }

    /**
     * Reads every key from {@code properties} (a Camel cluster key that {@code camel} read as one wins), parses each and
     * validates them together, naming each key as it was written. {@code hostName} names this replica when
     * {@value #KEY_POD_NAME} is empty (a Pod's host name is its name).
     */
    public static ElectionSettings read(
            Function<String, Optional<String>> properties, CamelClusterKeys.Reading camel, Supplier<String> hostName) {
        Function<String, String> value =
                key -> Optional.ofNullable(camel.values().get(key))
                        .or(() -> properties.apply(key))
                        .map(String::trim)
                        .orElse(null);
        String podName = value.apply(KEY_POD_NAME);
        return new ElectionSettings(
                        podName == null || podName.isEmpty() ? hostName.get() : podName,
                        value.apply(KEY_NAMESPACE),
                        parseLabels(value.apply(KEY_LABELS)),
                        value.apply(KEY_LEASE_PREFIX),
                        parseGroups(value.apply(KEY_GROUPS)),
                        new Timings(
                                millis(camel, KEY_LEASE_DURATION, value),
                                millis(camel, KEY_RENEW_DEADLINE, value),
                                millis(camel, KEY_RETRY_PERIOD, value),
                                decimal(camel, KEY_JITTER, value)),
                        value.apply(KEY_MASTER_URL),
                        millis(camel, KEY_CALL_TIMEOUT, value),
                        flag(camel, KEY_RELEASE_ON_SHUTDOWN, value, true),
                        flag(camel, KEY_BALANCE, value, true),
                        flag(camel, KEY_LABEL_LEADER, value, false),
                        value.apply(KEY_ROUTES_DIR),
                        flag(camel, KEY_RELOAD, value, false))
                .validate(camel::nameOf);
    }

    /** The value of {@value #KEY_ALGORITHM}, a key of earlier versions that is ignored, when it is set. */
    public static Optional<String> ignoredAlgorithm(Function<String, Optional<String>> properties) {
        return properties.apply(KEY_ALGORITHM).map(String::trim).filter(algorithm -> !algorithm.isEmpty());
    }

    private static long millis(CamelClusterKeys.Reading camel, String key, Function<String, String> value) {
        String text = value.apply(key);
        try {
            return Long.parseLong(text == null ? "" : text);
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException("Invalid election settings: " + camel.nameOf(key)
                    + " must be a whole number of milliseconds (found '" + text + "')");
        }
    }

    private static double decimal(CamelClusterKeys.Reading camel, String key, Function<String, String> value) {
        String text = value.apply(key);
        try {
            return Double.parseDouble(text == null ? "" : text);
        } catch (NumberFormatException e) {
            throw new InvalidSettingsException(
                    "Invalid election settings: " + camel.nameOf(key) + " must be a number (found '" + text + "')");
        }
    }

    private static boolean flag(
            CamelClusterKeys.Reading camel, String key, Function<String, String> value, boolean otherwise) {
        String text = value.apply(key);
        if (text == null || text.isEmpty()) {
            return otherwise;
        }
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            throw new InvalidSettingsException("Invalid election settings: " + camel.nameOf(key)
                    + " must be true or false (found '" + text + "')");
        }
        return Boolean.parseBoolean(text);
    }

    public long leaseDurationMs() {
        return timings.leaseDurationMs();
    }

    public long renewDeadlineMs() {
        return timings.renewDeadlineMs();
    }

    public long retryPeriodMs() {
        return timings.retryPeriodMs();
    }

    public double jitter() {
        return timings.jitter();
    }

    /** The name of the Lease that elects the leader of {@code group}. */
    public String leaseName(String group) {
        return leasePrefix + "-" + group;
    }

    /**
     * Checks every rule and throws one {@link InvalidSettingsException} naming all the keys that break one.
     *
     * @return this, for chaining
     */
    public ElectionSettings validate() {
        return validate(UnaryOperator.identity());
    }

    /**
     * As {@link #validate()}, naming each key as {@code keyNames} says: the key a person wrote, when a value came from
     * another key that means the same (see {@link CamelClusterKeys}).
     */
    public ElectionSettings validate(UnaryOperator<String> keyNames) {
        List<String> problems = new ArrayList<>();
        long leaseDurationMs = leaseDurationMs();
        long renewDeadlineMs = renewDeadlineMs();
        long retryPeriodMs = retryPeriodMs();
        double jitter = jitter();
        positive(problems, keyNames.apply(KEY_LEASE_DURATION), leaseDurationMs);
        positive(problems, keyNames.apply(KEY_RENEW_DEADLINE), renewDeadlineMs);
        positive(problems, keyNames.apply(KEY_RETRY_PERIOD), retryPeriodMs);
        positive(problems, keyNames.apply(KEY_CALL_TIMEOUT), callTimeoutMs);
        if (!(jitter >= 1.0)) {
            problems.add(keyNames.apply(KEY_JITTER) + " must be at least 1.0 (found " + jitter + ")");
        }
        if (renewDeadlineMs > 0 && leaseDurationMs > 0 && renewDeadlineMs >= leaseDurationMs) {
            problems.add(keyNames.apply(KEY_RENEW_DEADLINE) + " (" + renewDeadlineMs + ") must be below "
                    + keyNames.apply(KEY_LEASE_DURATION) + " (" + leaseDurationMs
                    + "): a leader must stop acting before its lease can expire");
        }
        if (retryPeriodMs > 0 && renewDeadlineMs > 0 && jitter >= 1.0 && retryPeriodMs * jitter >= renewDeadlineMs) {
            problems.add(keyNames.apply(KEY_RETRY_PERIOD) + " x " + keyNames.apply(KEY_JITTER) + " (" + retryPeriodMs
                    + " x " + jitter + " = " + Math.round(retryPeriodMs * jitter) + ") must be below "
                    + keyNames.apply(KEY_RENEW_DEADLINE) + " (" + renewDeadlineMs
                    + "): a leader must get a chance to renew before its deadline");
        }
        if (callTimeoutMs > 0 && renewDeadlineMs > 0 && callTimeoutMs >= renewDeadlineMs) {
            problems.add(keyNames.apply(KEY_CALL_TIMEOUT) + " (" + callTimeoutMs + ") must be below "
                    + keyNames.apply(KEY_RENEW_DEADLINE) + " (" + renewDeadlineMs
                    + "): one blocked request must not outlast the renew deadline");
        }
        if (podName != null && !podName.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            problems.add(keyNames.apply(KEY_POD_NAME) + " must be a Kubernetes object name (found '" + podName + "')");
        }
        if (candidateLabels.isEmpty()) {
            problems.add(keyNames.apply(KEY_LABELS) + " must name at least one label (key=value): without one every"
                    + " Pod of the namespace would count as a candidate");
        }
        if (leasePrefix == null || !DNS_LABEL.matcher(leasePrefix).matches()) {
            problems.add(keyNames.apply(KEY_LEASE_PREFIX) + " must be lower-case letters, digits and '-' (found '"
                    + leasePrefix + "')");
        }
        if (groups.isEmpty()) {
            problems.add(keyNames.apply(KEY_GROUPS) + " must list at least one group (comma-separated)");
        }
        for (String group : groups) {
            if (!DNS_LABEL.matcher(group).matches()) {
                problems.add(keyNames.apply(KEY_GROUPS) + ": group '" + group
                        + "' must be lower-case letters, digits and '-'");
            } else if (leasePrefix != null && leaseName(group).length() > MAX_LEASE_NAME) {
                problems.add(keyNames.apply(KEY_GROUPS) + ": Lease name '" + leaseName(group) + "' is longer than "
                        + MAX_LEASE_NAME);
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException("Invalid election settings: " + String.join("; ", problems));
        }
        return this;
    }

    /** Parses {@code k1=v1,k2=v2}; a malformed entry is reported against {@link #KEY_LABELS}. */
    public static Map<String, String> parseLabels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        for (String entry : text.split(",")) {
            String trimmed = entry.trim();
            int eq = trimmed.indexOf('=');
            if (eq <= 0 || eq == trimmed.length() - 1) {
                throw new InvalidSettingsException(
                        "Invalid election settings: " + KEY_LABELS + " entry '" + trimmed + "' is not key=value");
            }
            labels.put(
                    trimmed.substring(0, eq).trim(), trimmed.substring(eq + 1).trim());
        }
        return labels;
    }

    /** Parses a comma-separated list of group names. */
    public static Set<String> parseGroups(String text) {
        Set<String> groups = new LinkedHashSet<>();
        if (text != null) {
            for (String group : text.split(",")) {
                if (!group.isBlank()) {
                    groups.add(group.trim());
                }
            }
        }
        return groups;
    }

    private static void positive(List<String> problems, String key, long value) {
        if (value <= 0) {
            problems.add(key + " must be positive (found " + value + ")");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
