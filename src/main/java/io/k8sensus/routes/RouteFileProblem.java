package io.k8sensus.routes;

import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * One problem in a route file, as a compiler reports it: {@code file:line:column: message} (the line and column when
 * known), so that an editor or a CI log links it to its place.
 */
public record RouteFileProblem(String file, int line, int column, String message) {

    public static RouteFileProblem at(String file, int line, String message) {
        return new RouteFileProblem(file, line, 0, message);
    }

    /**
     * A parse or DSL error of Camel's YAML DSL, which reports them as snakeyaml marked exceptions whose marks carry the
     * position; {@code file} null: the file the mark names.
     */
    public static RouteFileProblem ofYaml(String file, MarkedYamlEngineException marked) {
        Optional<Mark> mark = marked.getProblemMark().or(marked::getContextMark);
        String problem = marked.getProblem() != null ? marked.getProblem() : marked.getMessage();
        String context = marked.getContext() != null ? marked.getContext() + ": " : "";
        String shown = file != null ? file : mark.map(Mark::getName).orElse("a route file");
        return new RouteFileProblem(
                shown,
                mark.map(m -> m.getLine() + 1).orElse(0),
                mark.map(m -> m.getColumn() + 1).orElse(0),
                "invalid YAML: " + context + problem.strip());
    }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + (line > 0 && column > 0 ? ":" + column : "") + ": " + message;
    }
}
