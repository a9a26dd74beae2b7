package io.k8sensus;

import io.k8sensus.kube.RootCause;
import io.k8sensus.routes.RouteFileProblem;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * Explains a route file that does not load although {@code RouteFileCheck} passed it (every route file is checked
 * before Camel reads it, so this is the fallback): which file, which line, and what is wrong there, in the words of
 * {@link RouteFileProblem}.
 */
final class RouteFileErrors {

    private RouteFileErrors() {}

    /** One line naming the route file, line and problem, or null when the failure is not about a route file. */
    static String explain(Throwable failure) {
        MarkedYamlEngineException marked = RootCause.find(failure, MarkedYamlEngineException.class);
        return marked == null ? null : RouteFileProblem.ofYaml(null, marked).toString();
    }

    /** Wraps a route loading failure so that {@link StartupFailure} can explain it. */
    static RuntimeException describe(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
}
