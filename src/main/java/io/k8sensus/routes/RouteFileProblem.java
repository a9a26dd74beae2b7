package io.k8sensus.routes;

/**
 * One problem in a route file, as a compiler reports it: {@code file:line:column: message} (the line and column when
 * known), so that an editor or a CI log links it to its place.
 */
public record RouteFileProblem(String file, int line, int column, String message) {

    public static RouteFileProblem at(String file, int line, String message) {
        return new RouteFileProblem(file, line, 0, message);
    }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + (line > 0 && column > 0 ? ":" + column : "") + ": " + message;
    }
}
