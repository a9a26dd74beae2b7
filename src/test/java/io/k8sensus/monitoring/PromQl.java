package io.k8sensus.monitoring;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric and label names a PromQL expression reads, found without a full parser: string literals, ranges and
 * durations are dropped; the labels of each selector's matchers ({@code name{label="..."}}) and of the grouping
 * clauses ({@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left}, {@code group_right}) are
 * collected; every other identifier that is not a function call or a keyword is a metric name.
 */
final class PromQl {

    /**
     * What an expression reads: each metric name with the labels its selectors match on, and the labels named in
     * grouping clauses (which any of its metrics, or the scrape, may carry).
     */
    record Names(Map<String, Set<String>> metrics, Set<String> groupingLabels) {}

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern SELECTOR = Pattern.compile("(?<![\\w:])([a-zA-Z_:][\\w:]*)?\\s*\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_]\\w*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:$])([a-zA-Z_:][\\w:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "and",
            "or",
            "unless",
            "offset",
            "inf",
            "nan",
            "atan2");

    private PromQl() {}

    static Names names(String expression) {
        String rest = STRING.matcher(expression).replaceAll("\"\"");
        Map<String, Set<String>> metrics = new LinkedHashMap<>();
        Matcher selector = SELECTOR.matcher(rest);
        StringBuilder withoutMatchers = new StringBuilder();
        while (selector.find()) {
            Set<String> labels = new LinkedHashSet<>();
            Matcher matcher = MATCHER.matcher(selector.group(2));
            while (matcher.find()) {
                labels.add(matcher.group(1));
            }
            String name = selector.group(1);
            if (name == null) {
                throw new IllegalArgumentException("a selector without a metric name in " + expression);
            }
            metrics.computeIfAbsent(name, n -> new LinkedHashSet<>()).addAll(labels);
            selector.appendReplacement(withoutMatchers, " ");
        }
        selector.appendTail(withoutMatchers);
        rest = RANGE.matcher(withoutMatchers).replaceAll(" ");
        Set<String> grouping = new LinkedHashSet<>();
        Matcher clause = GROUPING.matcher(rest);
        while (clause.find()) {
            for (String label : clause.group(1).split(",")) {
                if (!label.isBlank()) {
                    grouping.add(label.strip());
                }
            }
        }
        rest = clause.replaceAll(" ");
        Matcher identifier = IDENTIFIER.matcher(rest);
        while (identifier.find()) {
            String name = identifier.group(1);
            if (identifier.group(2) == null && !KEYWORDS.contains(name)) {
                metrics.computeIfAbsent(name, n -> new LinkedHashSet<>());
            }
        }
        return new Names(metrics, grouping);
    }
}
