package io.k8sensus.routes;

import java.util.List;

/**
 * A Camel component the route files use, named by the scheme of their URIs: the artifact it comes from (null when
 * Camel's catalog has no such component and the image's is not described), whether the image's class path has it,
 * and where a route first uses it.
 */
public record ComponentUse(String scheme, String artifact, boolean inImage, RouteFileProblem firstUse) {

    private static final String CAMEL_GROUP = "org.apache.camel:";

    /** One line for a list of them: each with its artifact, then whether the image has them all. */
    public static String summary(List<ComponentUse> uses) {
        if (uses.isEmpty()) {
            return "none";
        }
        List<ComponentUse> missing = uses.stream().filter(u -> !u.inImage()).toList();
        return String.join(", ", uses.stream().map(ComponentUse::toString).toList())
                + (missing.isEmpty()
                        ? "; all in this image"
                        : "; not in this image: "
                                + String.join(
                                        ", ",
                                        missing.stream()
                                                .map(ComponentUse::scheme)
                                                .toList()));
    }

    @Override
    public String toString() {
        if (artifact == null) {
            return scheme + (inImage ? " (in this image, not in Camel's catalog)" : " (not a Camel component)");
        }
        return scheme + " (" + (artifact.startsWith(CAMEL_GROUP) ? artifact.substring(CAMEL_GROUP.length()) : artifact)
                + ")";
    }
}
