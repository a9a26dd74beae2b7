package io.k8sensus.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The commands that README.md and docs/*.md tell a user to run: every line of their {@code sh} blocks (a here-document
 * with the lines it feeds, a trailing {@code # comment} dropped) and every inline {@code make} command with its
 * {@code ARGS=}/{@code ROUTES=}, in the order they appear.
 */
final class DocumentedCommands {

    /** A command, and the file it is in. */
    record Command(String text, String file) {}

    private static final Pattern SH_BLOCK = Pattern.compile("(?ms)^```sh\\n(.*?)^```");
    private static final Pattern INLINE_MAKE = Pattern.compile("`(make [a-z-]+(?: [A-Z]+=(?:\"[^\"`]*\"|[^ `\"]+))*)`");
    private static final Pattern HEREDOC = Pattern.compile("<<'?(\\w+)'?");

    private DocumentedCommands() {}

    static List<Path> documents() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** Every command of every document, each once (the first place it appears). */
    static List<Command> all() throws IOException {
        Set<String> seen = new LinkedHashSet<>();
        List<Command> commands = new ArrayList<>();
        for (Path file : documents()) {
            for (String text : of(Files.readString(file))) {
                if (seen.add(text)) {
                    commands.add(new Command(text, file.toString()));
                }
            }
        }
        return commands;
    }

    /** The commands of one Markdown text, in order: its sh blocks' lines, then its inline make commands. */
    static List<String> of(String markdown) {
        List<String> commands = new ArrayList<>();
        Matcher block = SH_BLOCK.matcher(markdown);
        while (block.find()) {
            String[] lines = block.group(1).split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = withoutComment(lines[i]);
                if (line.isEmpty()) {
                    continue;
                }
                Matcher heredoc = HEREDOC.matcher(line);
                if (heredoc.find()) {
                    StringBuilder whole = new StringBuilder(line);
                    String end = heredoc.group(1);
                    while (++i < lines.length) {
                        whole.append('\n').append(lines[i]);
                        if (lines[i].equals(end)) {
                            break;
                        }
                    }
                    line = whole.toString();
                }
                commands.add(line);
            }
        }
        Matcher inline = INLINE_MAKE.matcher(markdown);
        while (inline.find()) {
            commands.add(inline.group(1));
        }
        return commands;
    }

    /** The line without a trailing "  # comment" (a '#' after two spaces, outside quotes as the docs write them). */
    private static String withoutComment(String line) {
        int at = line.indexOf("  #");
        return (at < 0 ? line : line.substring(0, at)).strip();
    }
}
