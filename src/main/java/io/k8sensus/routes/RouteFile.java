package io.k8sensus.routes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.ResourceHelper;

/**
 * One {@code *.camel.yaml} file of a routes directory as read at one moment: what is checked is what is loaded, even if
 * the file changes in between. {@code shown} is the name problems give it (as the user wrote the directory).
 */
public record RouteFile(String shown, Path path, String content) {

    public static final String SUFFIX = ".camel.yaml";

    /** Camel's name for the routes' source: the routes a file loaded are found again by it. */
    public String location() {
        return "file:" + path.toAbsolutePath().normalize();
    }

    /** The content as a Camel resource at this file's location. */
    public Resource resource() {
        return ResourceHelper.fromString(location(), content);
    }

    /**
     * The route files of {@code dir}, by name: regular files (or links to them) named {@code *.camel.yaml}. A ConfigMap
     * volume also holds {@code ..data} and {@code ..<timestamp>} entries, which are skipped; its files are links
     * through {@code ..data}, read as what they point to now.
     */
    public static List<RouteFile> read(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(RouteFile::isRouteFile)
                    .sorted()
                    .map(p -> read(dir, p))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** One file, shown as {@code dir} (as given) joined with its name. */
    public static RouteFile read(Path dir, Path file) {
        try {
            return new RouteFile(dir.resolve(file.getFileName()).toString(), file, Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    static boolean isRouteFile(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(SUFFIX) && !name.startsWith(".") && Files.isRegularFile(p);
    }
}
