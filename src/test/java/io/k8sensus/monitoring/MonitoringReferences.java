package io.k8sensus.monitoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whether the packaged monitoring and the documents name only what the application exports: every metric that the
 * alert rules and the dashboard query is a sample name of a scrape, with the labels they match on and group by (or
 * labels the scrape adds), and every metric name in the alerts' annotations, the dashboard's descriptions, README.md
 * and docs/*.md is exported.
 */
public final class MonitoringReferences {

    /** Metric names as the documents write them. */
    static final Pattern DOCUMENTED_METRIC = Pattern.compile("\\b(?:k8sensus|leader_election)_[a-z_]+");

    private MonitoringReferences() {}

    /** What the queries and the documents name that the scrape does not export; empty when they agree. */
    public static List<String> problems(ExportedMetrics exported) {
        return problems(exported, MonitoringFiles.queries(), documents(), MonitoringFiles.prose());
    }

    static List<String> problems(
            ExportedMetrics exported,
            List<MonitoringFiles.Query> queries,
            Map<Path, String> documents,
            List<String> prose) {
        List<String> problems = new ArrayList<>();
        for (MonitoringFiles.Query query : queries) {
            PromQl.Names names = PromQl.names(query.expression());
            if (names.metrics().isEmpty()) {
                problems.add(query.where() + " reads no metric: " + query.expression());
            }
            Set<String> carried = new LinkedHashSet<>(ExportedMetrics.TARGET_LABELS);
            names.metrics().forEach((metric, matched) -> {
                if (!exported.samples().containsKey(metric)) {
                    problems.add(query.where() + " reads " + metric + ", which no sample of the scrape is"
                            + (exported.families().contains(metric) ? " (it is a family: query a sample of it)" : ""));
                    return;
                }
                Set<String> labels = exported.samples().get(metric);
                carried.addAll(labels);
                for (String label : matched) {
                    if (!labels.contains(label) && !ExportedMetrics.TARGET_LABELS.contains(label)) {
                        problems.add(query.where() + " matches " + metric + " on label " + label + ", which its"
                                + " samples do not carry (they carry " + labels + ")");
                    }
                }
            });
            Set<String> used = new LinkedHashSet<>(names.groupingLabels());
            used.addAll(query.moreLabels());
            for (String label : used) {
                if (!carried.contains(label)) {
                    problems.add(query.where() + " uses label " + label + ", which none of its metrics carries: "
                            + query.expression());
                }
            }
        }
        documents.forEach((file, text) -> namedMetrics(text).stream()
                .filter(name -> !exported.names(name))
                .forEach(name -> problems.add(file + " names " + name + ", which the application does not export")));
        prose.forEach(text -> namedMetrics(text).stream()
                .filter(name -> !exported.names(name))
                .forEach(name -> problems.add("an alert's annotation or the dashboard's description names " + name
                        + ", which the application does not export")));
        return problems;
    }

    static Set<String> namedMetrics(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher name = DOCUMENTED_METRIC.matcher(text);
        while (name.find()) {
            names.add(name.group());
        }
        return names;
    }

    /** README.md and docs/*.md, by path. */
    static Map<Path, String> documents() {
        Map<Path, String> documents = new LinkedHashMap<>();
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            documents.put(Path.of("README.md"), Files.readString(Path.of("README.md")));
            for (Path doc :
                    docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                documents.put(doc, Files.readString(doc));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }
}
