package io.k8sensus.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of the kustomize component {@code k8s/components/monitoring}: the PrometheusRule, its promtool tests and
 * the Grafana dashboard, and every PromQL query they make.
 */
public final class MonitoringFiles {

    public static final Path DIR = Path.of("k8s", "components", "monitoring");
    static final Path RULES = DIR.resolve("prometheusrule.yaml");
    static final Path RULES_TEST = DIR.resolve("rules-test.yaml");
    static final Path DASHBOARD = DIR.resolve("dashboard.json");

    static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
    static final ObjectMapper JSON = new ObjectMapper();

    /** A PromQL query, where it is written, and the labels it names outside the expression (a legend, a variable). */
    public record Query(String where, String expression, Set<String> moreLabels) {}

    private static final Pattern LABEL_VALUES =
            Pattern.compile("label_values\\((.*),\\s*([a-zA-Z_]\\w*)\\s*\\)", Pattern.DOTALL);
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_]\\w*)\\s*}}");
    private static final Pattern RATE_INTERVAL = Pattern.compile("\\$__(?:rate_)?interval|\\$__range");

    private MonitoringFiles() {}

    static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The PrometheusRule's rule groups ({@code spec.groups}), as Prometheus reads a rules file. */
    public static JsonNode ruleGroups() {
        return read(YAML, RULES).path("spec").path("groups");
    }

    /** Every alerting rule of every group. */
    static List<JsonNode> alerts() {
        List<JsonNode> alerts = new ArrayList<>();
        ruleGroups()
                .forEach(group -> group.path("rules").forEach(rule -> {
                    if (rule.has("alert")) {
                        alerts.add(rule);
                    }
                }));
        return alerts;
    }

    /** Writes the PrometheusRule's groups as a plain Prometheus rules file. */
    static void writeRulesFile(Path file) throws IOException {
        YAML.writeValue(file.toFile(), Map.of("groups", ruleGroups()));
    }

    static JsonNode dashboard() {
        return read(JSON, DASHBOARD);
    }

    /** Every query of the rules (their expressions) and of the dashboard (its panels' targets, its variables). */
    public static List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode rule : alerts()) {
            queries.add(new Query(
                    "alert " + rule.path("alert").asText(), rule.path("expr").asText(), Set.of()));
        }
        JsonNode dashboard = dashboard();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Set<String> legend = new LinkedHashSet<>();
                Matcher label = LEGEND_LABEL.matcher(target.path("legendFormat").asText());
                while (label.find()) {
                    legend.add(label.group(1));
                }
                queries.add(new Query(
                        "dashboard panel '" + panel.path("title").asText() + "' "
                                + target.path("refId").asText(),
                        grafanaExpression(target.path("expr").asText()),
                        legend));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!variable.path("type").asText().equals("query")) {
                continue;
            }
            JsonNode query = variable.path("query");
            String text =
                    query.isTextual() ? query.asText() : query.path("query").asText();
            Matcher labelValues = LABEL_VALUES.matcher(text.strip());
            if (labelValues.matches()) {
                queries.add(new Query(
                        "dashboard variable " + variable.path("name").asText(),
                        grafanaExpression(labelValues.group(1)),
                        Set.of(labelValues.group(2))));
            } else {
                queries.add(new Query(
                        "dashboard variable " + variable.path("name").asText(), grafanaExpression(text), Set.of()));
            }
        }
        return queries;
    }

    /** A Grafana query as Prometheus gets it: its interval variables as durations, the others as label values. */
    static String grafanaExpression(String query) {
        return RATE_INTERVAL.matcher(query).replaceAll("1m").replaceAll("\\$\\{?\\w+}?", "x");
    }

    /** The words for people: the alerts' annotations and the dashboard's descriptions, which name metrics too. */
    static List<String> prose() {
        List<String> texts = new ArrayList<>();
        for (JsonNode rule : alerts()) {
            rule.path("annotations").forEach(text -> texts.add(text.asText()));
        }
        JsonNode dashboard = dashboard();
        texts.add(dashboard.path("description").asText());
        dashboard
                .path("panels")
                .forEach(panel -> texts.add(panel.path("description").asText()));
        return texts;
    }
}
