package io.k8sensus.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static CommandLine parse(String... args) {
        return CommandLine.parse(args, List.of("--trials", "--out", "--recipes", "--rate"), List.of("--no-memory"));
    }

    @Test
    void readsValuesAndFlagsAndFallsBackForTheRest() {
        CommandLine line = parse("--trials", "1_000", "--no-memory", "--recipes", "sql,jms");
        assertThat(line.number("--trials", 10)).isEqualTo(1000);
        assertThat(line.has("--no-memory")).isTrue();
        assertThat(line.list("--recipes", "file")).containsExactly("sql", "jms");
        assertThat(line.path("--out", Path.of("target"))).isEqualTo(Path.of("target"));
        assertThat(line.decimal("--rate", 2.5)).isEqualTo(2.5);
        assertThat(parse("--trials", "10,000000").number("--trials", 0)).isEqualTo(10_000_000);
    }

    @Test
    void refusesWhatItWouldOtherwiseIgnoreWithOneLine() {
        assertThatThrownBy(() -> parse("--trails", "20"))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessage("unknown option '--trails'");
        assertThatThrownBy(() -> parse("--trials")).hasMessage("--trials needs a value");
        assertThatThrownBy(() -> parse("--trials", "many").number("--trials", 10))
                .hasMessage("--trials: 'many' is not a whole number");
        assertThatThrownBy(() -> parse("--rate", "fast").decimal("--rate", 1))
                .hasMessage("--rate: 'fast' is not a number");
    }

    @Test
    void takesArgumentsOnlyWhereTheCommandDoes() {
        CommandLine line = CommandLine.withArguments(List.of("k8s", "--check", "more"), List.of(), List.of("--check"));
        assertThat(line.arguments()).containsExactly("k8s", "more");
        assertThat(line.has("--check")).isTrue();
        assertThatThrownBy(() -> parse("k8s")).hasMessage("unknown option 'k8s'");
        assertThatThrownBy(() -> CommandLine.withArguments(List.of("--chek", "k8s"), List.of(), List.of("--check")))
                .hasMessage("unknown option '--chek'");
    }
}
