package io.k8sensus.routes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.camel.CamelContext;
import org.apache.camel.catalog.EndpointValidationResult;
import org.apache.camel.catalog.impl.DefaultRuntimeCamelCatalog;
import org.apache.camel.tooling.model.ComponentModel;

/**
 * The options of one endpoint URI, checked as Camel sets them when it creates the endpoint: against the component's
 * own metadata, the JSON that each component's jar carries beside its class, read through Camel's runtime catalog. An
 * option the component does not have (with the nearest one it has), a value of the wrong type, a required part of the
 * URI left out. Offline: no component or endpoint is created, nothing connects.
 * <p>
 * A component whose options are lenient (http: the rest goes into the query string) takes any name; a value that is
 * a bean reference ({@code #name}) or an expression ({@code ${...}}) is not judged by its type, as Camel only
 * resolves it at run time.
 */
final class EndpointOptionCheck {

    /** One thing wrong with a URI; {@code option} the option it is about, null when about the URI as a whole. */
    record Wrong(String option, String message) {}

    private final DefaultRuntimeCamelCatalog catalog = new DefaultRuntimeCamelCatalog();

    /** {@code context}: where the components' metadata is looked up (its class path). */
    EndpointOptionCheck(CamelContext context) {
        catalog.setCamelContext(context);
        catalog.setSuggestionStrategy(new ClosestOption());
    }

    /** {@code groupId:artifactId} of the component of {@code scheme} on the class path, if its metadata says. */
    Optional<String> artifact(String scheme) {
        ComponentModel model = catalog.componentModel(scheme);
        return model == null || model.getArtifactId() == null
                ? Optional.empty()
                : Optional.of(model.getGroupId() + ":" + model.getArtifactId());
    }

    /**
     * What is wrong with the options of {@code uri} (placeholders resolved), a URI of component {@code scheme}; empty
     * when nothing is, or when the component has no metadata to check against. {@code shown}: the URI as the file
     * writes it, for the messages.
     */
    List<Wrong> check(String scheme, String uri, String shown) {
        ComponentModel model = catalog.componentModel(scheme);
        if (model == null) {
            return List.of();
        }
        EndpointValidationResult result = catalog.validateEndpointProperties(uri, false, false, false);
        List<Wrong> wrong = new ArrayList<>();
        String in = " in '" + withoutQuery(shown) + "'";
        if (result.getSyntaxError() != null) {
            if (!uri.contains("${")) { // an expression left in the URI is Camel's to evaluate, not a URI to parse
                wrong.add(new Wrong(null, "invalid endpoint URI '" + shown + "': " + result.getSyntaxError()));
            }
            return wrong;
        }
        for (String option : sorted(result.getUnknown())) {
            String[] near = result.getUnknownSuggestions() == null
                    ? null
                    : result.getUnknownSuggestions().get(option);
            wrong.add(new Wrong(
                    option,
                    "unknown option '" + option + "'" + in + ": " + scheme + " has no such option"
                            + (near == null ? "" : "; did you mean " + quoted(near) + "?")));
        }
        invalid(
                wrong,
                result.getInvalidEnum(),
                in,
                scheme,
                option -> "one of "
                        + String.join(", ", result.getEnumChoices(option))
                        + suggestion(
                                result.getEnumChoices(option),
                                result.getInvalidEnum().get(option)));
        invalid(wrong, result.getInvalidBoolean(), in, scheme, option -> "true or false");
        invalid(wrong, result.getInvalidInteger(), in, scheme, option -> "a whole number");
        invalid(wrong, result.getInvalidNumber(), in, scheme, option -> "a number");
        invalid(
                wrong,
                result.getInvalidDuration(),
                in,
                scheme,
                option -> "a duration: milliseconds (1000) or with units (500ms, 5s, 1m30s)");
        invalid(wrong, result.getInvalidReference(), in, scheme, option -> "a bean reference (#name)");
        invalid(wrong, result.getInvalidMap(), in, scheme, option -> "a map");
        invalid(wrong, result.getInvalidArray(), in, scheme, option -> "a list");
        for (String option : sorted(result.getRequired())) {
            wrong.add(new Wrong(
                    null,
                    "missing required option '" + option + "'" + in + ": " + scheme + "'s URI is "
                            + model.getSyntax()));
        }
        return wrong;
    }

    private static void invalid(
            List<Wrong> wrong,
            Map<String, String> values,
            String in,
            String scheme,
            Function<String, String> expected) {
        if (values == null) {
            return;
        }
        for (String option : sorted(values.keySet())) {
            wrong.add(new Wrong(
                    option,
                    "invalid value '" + values.get(option) + "' of option '" + option + "'" + in + ": " + scheme
                            + " expects " + expected.apply(option)));
        }
    }

    private static String suggestion(List<String> choices, String value) {
        String[] near = new ClosestOption().suggestEndpointOptions(new LinkedHashSet<>(choices), value);
        return near == null ? "" : "; did you mean " + quoted(near) + "?";
    }

    private static String quoted(String[] names) {
        return String.join(
                " or ", List.of(names).stream().map(n -> "'" + n + "'").toList());
    }

    private static List<String> sorted(Collection<String> names) {
        return names == null ? List.of() : names.stream().sorted().toList();
    }

    private static String withoutQuery(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }
}
