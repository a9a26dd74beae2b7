package io.k8sensus.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The validated election settings of one replica. Every value comes from {@code application.properties} (or an
 * environment variable / system property overriding it); {@link #validate()} enforces the rules between them.
 *
 * @param podName         this replica's identity in the Lease; must be the name of its Pod
 * @param namespace       where the Leases and candidate Pods live; null means the client's own namespace
 * @param candidateLabels labels that mark the Pods taking part in the election
 * @param leasePrefix     the Lease of group {@code g} is named {@code <leasePrefix>-g}
 * @param groups          the election groups that {@code master:<group>:...} routes may use
 * @param leaseDurationMs how long a holder's claim lasts without renewal
 * @param renewDeadlineMs how long a leader keeps acting without a successful renewal
 * @param retryPeriodMs   time between two polls of the Lease and of the candidate Pods
 * @param jitter          random factor (>= 1) applied to the retry period
 * @param masterUrl       API server URL; null means in-cluster config or kubeconfig
 * @param callTimeoutMs   longest that one API call (one attempt, no retry) may block; below the renew deadline
 * @param releaseOnShutdown clear the Lease holder when this replica stops, after its leader-only routes stopped
 */
public record ElectionSettings(
        String podName,
        String namespace,
        Map<String, String> candidateLabels,
        String leasePrefix,
        Set<String> groups,
        long leaseDurationMs,
        long renewDeadlineMs,
        long retryPeriodMs,
        double jitter,
        String masterUrl,
        long callTimeoutMs,
        boolean releaseOnShutdown) {

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

    /** A DNS-1123 label: what a group name must be so that the Lease name is exactly prefix-group. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private static final int MAX_LEASE_NAME = 253;

    public ElectionSettings {
        candidateLabels = Collections.unmodifiableMap(new LinkedHashMap<>(candidateLabels));
        groups = Collections.unmodifiableSet(new LinkedHashSet<>(groups));
        podName = blankToNull(podName);
        namespace = blankToNull(namespace);
        masterUrl = blankToNull(masterUrl);
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
