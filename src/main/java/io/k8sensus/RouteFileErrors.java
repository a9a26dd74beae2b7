package io.k8sensus;

import java.util.Optional;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * Explains a route file that does not load: which file, which line, and what is wrong there. Camel's YAML DSL reports
 * parse and DSL errors as snakeyaml marked exceptions, whose marks carry the file and the position.
 */
final class RouteFileErrors {

    private RouteFileErrors() {
    }

    /** One line naming the route file, line and problem, or null when the failure is not about a route file. */
    static String explain(Throwable failure) {
        MarkedYamlEngineException marked = StartupFailure.find(failure, MarkedYamlEngineException.class);
        if (marked == null) {
            return null;
        }
        Optional<Mark> mark = marked.getProblemMark().or(marked::getContextMark);
        String where = mark.map(m -> "route file " + m.getName() + " line " + (m.getLine() + 1) + " column "
                                     + (m.getColumn() + 1))
                .orElse("a route file");
        String problem = marked.getProblem() != null ? marked.getProblem() : marked.getMessage();
        String context = marked.getContext() != null ? marked.getContext() + ": " : "";
        return "invalid YAML in " + where + ": " + context + problem.strip();
    }

    /** Wraps a route loading failure so that {@link StartupFailure} can explain it. */
    static RuntimeException describe(Exception e) {
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
}
