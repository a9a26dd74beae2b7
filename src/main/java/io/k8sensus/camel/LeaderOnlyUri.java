package io.k8sensus.camel;

import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import java.util.Set;

/**
 * A {@code master:<group>:<endpoint>} URI taken apart, by the {@code master} component when it creates an endpoint
 * and by the route file check before a route is loaded, so both refuse the same URIs with the same words.
 */
public record LeaderOnlyUri(String group, String delegateUri) {

    public static final String SCHEME = "master";

    /** Whether {@code uri} is a leader-only one ({@code master:...}). */
    public static boolean isLeaderOnly(String uri) {
        return uri != null && uri.startsWith(SCHEME + ":");
    }

    /**
     * Parses {@code uri} ({@code master:<group>:<endpoint>[?options]}), whose group must be one of {@code groups} (null: any); the
     * options are the delegate endpoint's.
     *
     * @throws InvalidSettingsException naming the URI and the rule it breaks
     */
    public static LeaderOnlyUri parse(String uri, Set<String> groups) {
        String remaining = uri.substring(SCHEME.length() + 1);
        if (remaining.startsWith("//")) {
            remaining = remaining.substring(2);
        }
        int colon = remaining.indexOf(':');
        String group = colon < 0 ? remaining : remaining.substring(0, colon);
        if (group.isBlank() || colon < 0 || colon == remaining.length() - 1 || remaining.charAt(colon + 1) == '?') {
            throw new InvalidSettingsException("Invalid leader-only URI '" + uri
                    + "': expected master:<group>:<endpoint>, e.g. master:heartbeat:timer:tick");
        }
        if (groups != null && !groups.contains(group)) {
            throw new InvalidSettingsException("Invalid leader-only URI '" + uri + "': unknown group '" + group + "' ("
                    + ElectionSettings.KEY_GROUPS + " lists " + groups + ")");
        }
        return new LeaderOnlyUri(group, remaining.substring(colon + 1));
    }
}
