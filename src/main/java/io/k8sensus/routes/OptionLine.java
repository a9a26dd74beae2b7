package io.k8sensus.routes;

import java.util.regex.Pattern;

/**
 * Where an endpoint's option is written in a route file: Camel's model knows the line of the endpoint ({@code uri:} or
 * {@code to:}), not of its options, which are either keys of its {@code parameters:} block, on the lines after it,
 * or {@code name=value} pairs in the URI's query, on its own line. The first line at or after the endpoint's that
 * writes the option one way or the other is the option's; the endpoint's line when none does.
 */
final class OptionLine {

    private OptionLine() {}

    static int of(String content, int endpointLine, String option) {
        if (endpointLine <= 0 || option == null) {
            return endpointLine;
        }
        String name = Pattern.quote(option);
        Pattern key = Pattern.compile("^\\s*(-\\s+)?[\"']?" + name + "[\"']?\\s*:(\\s|$).*");
        Pattern query = Pattern.compile(".*[?&]" + name + "=.*");
        String[] lines = content.split("\n", -1);
        for (int i = endpointLine - 1; i < lines.length; i++) {
            if (key.matcher(lines[i]).matches() || query.matcher(lines[i]).matches()) {
                return i + 1;
            }
        }
        return endpointLine;
    }
}
