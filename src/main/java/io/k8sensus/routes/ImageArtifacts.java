package io.k8sensus.routes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The artifacts of the image's class path ({@code groupId:artifactId}), as the build listed them into the jar
 * (maven-dependency-plugin's {@code list}, one {@code group:artifact:type:version} line each): what a component
 * resolved beyond the image may leave out, since the image has it.
 */
final class ImageArtifacts {

    static final String RESOURCE = "image-artifacts.txt";
    private static final Pattern LINE = Pattern.compile("^\\s*([\\w.-]+):([\\w.-]+):[\\w.-]+:.*$");

    private ImageArtifacts() {}

    /** The artifacts listed in the jar; empty when the classes were not built by Maven's package (an IDE). */
    static Set<String> read() {
        try (InputStream in = ImageArtifacts.class.getResourceAsStream(RESOURCE)) {
            return in == null ? Set.of() : parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the image's artifacts (" + RESOURCE + "): " + e.getMessage(), e);
        }
    }

    static Set<String> parse(String listing) {
        Set<String> artifacts = new TreeSet<>();
        for (String line : listing.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                artifacts.add(m.group(1) + ":" + m.group(2));
            }
        }
        return artifacts;
    }
}
