package io.k8sensus.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/** The manifests of {@code k8s/}, parsed with the fabric8 model, and the configuration they give the application. */
final class Manifests {

    static final Path DIR = Path.of("k8s");

    private final Map<Path, List<HasMetadata>> byFile = new LinkedHashMap<>();

    Manifests() {
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file :
                    files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                if (!file.getFileName().toString().equals("kustomization.yaml")) {
                    byFile.put(file, parse(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<HasMetadata> parse(Path file) throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
            if (!document.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                objects.add(Serialization.unmarshal(document));
            }
        }
        return objects;
    }

    Map<Path, List<HasMetadata>> byFile() {
        return byFile;
    }

    List<HasMetadata> all() {
        return byFile.values().stream().flatMap(List::stream).toList();
    }

    <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all().stream().filter(type::isInstance).map(type::cast).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + " in k8s/, found " + found.size());
        }
        return found.get(0);
    }

    Role role() {
        return one(Role.class);
    }

    Container container() {
        return one(Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
    }

    /** application.properties as shipped. */
    static Properties applicationProperties() {
        Properties properties = new Properties();
        try (InputStream in = Manifests.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /** The environment variable that overrides a property key, as Camel maps them. */
    static String envName(String key) {
        return key.toUpperCase().replace('.', '_').replace('-', '_');
    }

    /**
     * The property overrides that the Deployment's {@code K8SENSUS_*} environment gives the application; an
     * environment variable that overrides no key of {@code application.properties} fails, since it would be ignored.
     */
    Map<String, String> deploymentOverrides() {
        Properties shipped = applicationProperties();
        Map<String, String> overrides = new LinkedHashMap<>();
        for (EnvVar env : container().getEnv()) {
            if (!env.getName().startsWith("K8SENSUS_") || env.getValue() == null) {
                continue;
            }
            String key = shipped.stringPropertyNames().stream()
                    .filter(k -> envName(k).equals(env.getName()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("deployment.yaml sets " + env.getName()
                            + ", which overrides no key of application.properties"));
            overrides.put(key, env.getValue());
        }
        return overrides;
    }
}
