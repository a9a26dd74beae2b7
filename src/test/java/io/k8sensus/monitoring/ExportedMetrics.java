package io.k8sensus.monitoring;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a scrape of {@code /observe/metrics} exports, read from its Prometheus text: each sample name (with its
 * suffix: {@code _total}, {@code _bucket}, {@code _count}, {@code _sum}) and the label names its samples carry, and
 * the metric families named by {@code # TYPE} lines (a histogram's family has no sample of its own name).
 */
public record ExportedMetrics(Map<String, Set<String>> samples, Set<String> families) {

    /**
     * The labels Prometheus adds to every sample of a PodMonitor's scrape (its target labels), which queries may use
     * although the application does not write them.
     */
    public static final Set<String> TARGET_LABELS =
            Set.of("namespace", "pod", "container", "endpoint", "job", "instance");

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][\\w:]*)(\\{.*})?\\s+\\S+(\\s+\\S+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]\\w*)=\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][\\w:]*) \\w+");

    public static ExportedMetrics parse(String text) {
        Map<String, Set<String>> samples = new LinkedHashMap<>();
        Set<String> families = new LinkedHashSet<>();
        for (String line : text.lines().toList()) {
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                families.add(type.group(1));
                continue;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new IllegalArgumentException("not a sample of the text format: " + line);
            }
            Set<String> labels = samples.computeIfAbsent(sample.group(1), n -> new LinkedHashSet<>());
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.add(label.group(1));
                }
            }
        }
        return new ExportedMetrics(samples, families);
    }

    /** The union of two scrapes (a leader's and a follower's). */
    public ExportedMetrics and(ExportedMetrics other) {
        Map<String, Set<String>> both = new LinkedHashMap<>();
        samples.forEach((name, labels) ->
                both.computeIfAbsent(name, n -> new LinkedHashSet<>()).addAll(labels));
        other.samples.forEach((name, labels) ->
                both.computeIfAbsent(name, n -> new LinkedHashSet<>()).addAll(labels));
        Set<String> allFamilies = new LinkedHashSet<>(families);
        allFamilies.addAll(other.families);
        return new ExportedMetrics(both, allFamilies);
    }

    /** Whether a name is exported: a sample's name or a family's. */
    public boolean names(String name) {
        return samples.containsKey(name) || families.contains(name);
    }
}
