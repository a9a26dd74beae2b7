package io.k8sensus.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The tools run from target/tools-classes with target/classpath-tools.txt, which leaves the test framework out (see
 * pom.xml). Their compile sees the whole test scope, so this reads what they were compiled into: no tool class
 * refers to JUnit, AssertJ or a test class, or {@code make run} would fail where a test passes.
 */
class ToolsClasspathTest {

    private static final Path TOOLS = Path.of("target", "tools-classes");

    @Test
    void noToolClassRefersToTheTestFrameworkOrATestHelper() throws IOException {
        assertThat(TOOLS).as("compiled by the compile-tools execution").isDirectory();
        List<String> offending;
        try (Stream<Path> classes = Files.walk(TOOLS)) {
            offending = classes.filter(p -> p.toString().endsWith(".class"))
                    .filter(ToolsClasspathTest::refersToTests)
                    .map(p -> TOOLS.relativize(p).toString())
                    .toList();
        }
        assertThat(offending)
                .as("tool classes that refer to org/junit, org/assertj or io/k8sensus/testing")
                .isEmpty();
    }

    /**
     * The plain Camel application runs from target/stock-camel and Camel's jars alone (pom.xml, compile-stock-camel):
     * none of its classes may refer to a k8sensus class, or it would not be the stock application it stands for (and
     * would fail to start).
     */
    @Test
    void thePlainCamelApplicationRefersToNothingOfK8sensus() throws IOException {
        Path stock = Path.of("target", "stock-camel");
        assertThat(stock.resolve("stock-camel").resolve("application.properties"))
                .as("its own settings")
                .isRegularFile();
        List<String> offending;
        try (Stream<Path> files = Files.walk(stock)) {
            offending = files.filter(Files::isRegularFile)
                    .filter(p -> {
                        String name = stock.relativize(p).toString().replace('\\', '/');
                        return !name.startsWith("io/k8sensus/stock/") && !name.startsWith("stock-camel/")
                                || name.endsWith(".class") && refersTo(p, "io/k8sensus/") && refersOutsideStock(p);
                    })
                    .map(p -> stock.relativize(p).toString())
                    .toList();
        }
        assertThat(offending)
                .as("files of target/stock-camel that are not the application's, or refer to k8sensus")
                .isEmpty();
    }

    private static boolean refersOutsideStock(Path classFile) {
        String constants = constants(classFile);
        return constants.replace("io/k8sensus/stock/", "").contains("io/k8sensus/");
    }

    private static boolean refersTo(Path classFile, String name) {
        return constants(classFile).contains(name);
    }

    private static String constants(Path classFile) {
        try {
            return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean refersToTests(Path classFile) {
        try {
            // class names in a class file's constant pool are plain UTF-8 ("org/junit/jupiter/api/Test")
            String constants = new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
            return constants.contains("org/junit/")
                    || constants.contains("org/assertj/")
                    || constants.contains("io/k8sensus/testing/");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
