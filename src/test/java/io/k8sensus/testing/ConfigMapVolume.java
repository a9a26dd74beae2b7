package io.k8sensus.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A directory laid out and updated as the kubelet does a ConfigMap volume: the files live in a timestamped directory
 * ({@code ..2026_12_02_08_00_00.1}), {@code ..data} links to it, and each visible file is a link through
 * {@code ..data}. An update writes a new timestamped directory, points a {@code ..data_tmp} link at it, renames that
 * over {@code ..data} (the atomic swap: readers see the old set or the new one, never a mix), adds and removes the
 * visible links, and deletes the old directory.
 */
public final class ConfigMapVolume {

    private final Path dir;
    private int generation;

    public ConfigMapVolume(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Makes the volume hold exactly {@code files} (name to content), in one swap. */
    public void write(Map<String, String> files) throws IOException {
        Path old = Files.isSymbolicLink(dir.resolve("..data"))
                ? dir.resolve(Files.readSymbolicLink(dir.resolve("..data")))
                : null;
        String name = String.format("..2026_12_02_08_00_00.%d", ++generation);
        Path fresh = Files.createDirectory(dir.resolve(name));
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(fresh.resolve(file.getKey()), file.getValue());
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(name));
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String file : files.keySet()) {
            Path link = dir.resolve(file);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of("..data", file));
            }
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.filter(Files::isSymbolicLink).toList()) {
                String visible = entry.getFileName().toString();
                if (!visible.startsWith("..") && !files.containsKey(visible)) {
                    Files.delete(entry);
                }
            }
        }
        if (old != null) {
            try (Stream<Path> tree = Files.walk(old)) {
                for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
