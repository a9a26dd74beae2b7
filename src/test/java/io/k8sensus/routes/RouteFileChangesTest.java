package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteFileChangesTest {

    private static RouteFile file(String name, String content) {
        return new RouteFile(name, Path.of("/routes", name), content);
    }

    @Test
    void added_changed_and_removed_files_by_name() {
        RouteFileChanges changes = RouteFileChanges.between(
                List.of(file("a.camel.yaml", "a1"), file("b.camel.yaml", "b1"), file("c.camel.yaml", "c1")),
                List.of(file("a.camel.yaml", "a1"), file("b.camel.yaml", "b2"), file("d.camel.yaml", "d1")));
        assertThat(changes.added()).extracting(RouteFile::content).containsExactly("d1");
        assertThat(changes.changed()).extracting(RouteFile::content).containsExactly("b2");
        assertThat(changes.removed()).extracting(RouteFile::content).containsExactly("c1");
        assertThat(changes.toLoad()).extracting(RouteFile::content).containsExactly("d1", "b2");
        assertThat(changes.toUnload()).extracting(RouteFile::content).containsExactly("b2", "c1");
    }

    @Test
    void a_file_written_again_with_the_same_content_is_no_change() {
        assertThat(RouteFileChanges.between(List.of(file("a.camel.yaml", "a1")), List.of(file("a.camel.yaml", "a1")))
                        .isEmpty())
                .isTrue();
    }
}
