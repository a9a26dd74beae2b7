package io.k8sensus.tools;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request to the API server as RBAC authorizes it: verb, API group, resource and name, read from the request line
 * the embedded API records ({@code "GET /apis/coordination.k8s.io/v1/namespaces/ns/leases/x"}). The one reading of
 * it, for the RBAC test (every request allowed) and the benchmark (requests per verb).
 *
 * @param verb     get, list, watch, create, update, patch, delete or deletecollection
 * @param apiGroup "" for the core group
 * @param resource leases, pods, events...
 * @param name     the object's name; for a list or watch with an exact {@code metadata.name} field selector, that
 *                 name (the API server authorizes it as a request for that name); null otherwise
 * @param request  the request line as recorded
 */
public record ApiRequest(String verb, String apiGroup, String resource, String name, String request) {

    private static final Pattern PATH = Pattern.compile("^/(?:api/v1|apis/(?<group>[^/]+)/[^/]+)/namespaces/[^/]+/"
            + "(?<resource>[^/?]+)(?:/(?<name>[^/?]+))?(?:\\?(?<query>.*))?$");

    /** Reads a request line; throws if it is not a request in a namespace (which a Role cannot grant). */
    public static ApiRequest parse(String request) {
        String method = request.substring(0, request.indexOf(' '));
        String path = request.substring(request.indexOf(' ') + 1);
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            throw new IllegalArgumentException("request outside a namespace, which a Role cannot grant: " + request);
        }
        String query = m.group("query") == null ? "" : m.group("query");
        String name = m.group("name");
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : query.contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new IllegalArgumentException("unexpected method in " + request);
        };
        if (name == null && (verb.equals("list") || verb.equals("watch"))) {
            name = fieldSelectorName(query);
        }
        return new ApiRequest(
                verb, m.group("group") == null ? "" : m.group("group"), m.group("resource"), name, request);
    }

    /** "get-leases", "list-pods", "update-leases"...: the verb and the resource, for counting requests. */
    public String verbAndResource() {
        return verb + "-" + resource;
    }

    private static String fieldSelectorName(String query) {
        for (String parameter : query.split("&")) {
            String decoded = URLDecoder.decode(parameter, StandardCharsets.UTF_8);
            if (decoded.startsWith("fieldSelector=metadata.name=") && !decoded.contains(",")) {
                return decoded.substring("fieldSelector=metadata.name=".length());
            }
        }
        return null;
    }
}
