package io.k8sensus.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every log event that README.md and docs/*.md name ({@code event=<name>}) is one the code logs: a string literal of
 * src/main/java that writes {@code event=<name>} (comments do not count), an event name passed as the argument of an
 * {@code "event={} ..."} template, or the message of a log step in a shipped or example route file
 * ({@code src/main/resources/routes}, {@code examples/}), whose recipes the docs describe.
 */
class DocumentedEventsTest {

    private static final Pattern EVENT = Pattern.compile("event=([a-z][a-z0-9]*(?:-[a-z0-9]+)*)");
    private static final Pattern EVENT_NAME = Pattern.compile("[a-z][a-z0-9]*(?:-[a-z0-9]+)*");
    private static final Pattern ROUTE_LOG = Pattern.compile("^\\s*-?\\s*(?:log|message):\\s*\"(.*)\"\\s*$");

    @Test
    void every_event_the_docs_name_is_logged_by_the_code() throws IOException {
        Map<String, Set<String>> documented = new LinkedHashMap<>();
        for (Path doc : DocumentedCommands.documents()) {
            Matcher event = EVENT.matcher(Files.readString(doc));
            while (event.find()) {
                documented
                        .computeIfAbsent(event.group(1), e -> new LinkedHashSet<>())
                        .add(doc.toString());
            }
        }
        Set<String> logged = loggedEvents();
        assertThat(documented).as("events named in the docs").hasSizeGreaterThan(30);
        assertThat(logged)
                .as("events the code logs, read as the test reads them")
                .hasSizeGreaterThan(40)
                .contains("acquired", "released", "released-for-balance", "job-refused");
        List<String> missing = new ArrayList<>();
        documented.forEach((event, docs) -> {
            if (!logged.contains(event)) {
                missing.add("event=" + event + " (named in " + String.join(", ", docs) + ")");
            }
        });
        assertThat(missing).as("events the docs name that no code logs").isEmpty();
    }

    @Test
    void the_java_reader_takes_literals_and_template_arguments_and_leaves_comments_out() {
        String source = """
                // event=in-a-line-comment
                /* event=in-a-block-comment "event=not-a-string" */
                class X {
                    char quote = '"';
                    String url = "http://x/event=in-a-url"; // a literal all the same
                    void log(boolean b) {
                        KeyValueLog.info(LOG, "event=plain group={} pod={}", g, p);
                        KeyValueLog.info(LOG, "event={} group={}" + " epoch={}",
                                b ? "chosen-one" : "chosen-two", g, e, "not-an-event");
                        String text = \"""
                                event=in-a-text-block
                                \""";
                    }
                }
                """;
        assertThat(javaEvents(source))
                .containsExactlyInAnyOrder("in-a-url", "plain", "chosen-one", "chosen-two", "in-a-text-block");
    }

    /** Events logged by src/main/java and by the route files. */
    static Set<String> loggedEvents() throws IOException {
        Set<String> events = new LinkedHashSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src", "main", "java"))) {
            for (Path source :
                    sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                events.addAll(javaEvents(Files.readString(source)));
            }
        }
        for (Path dir : List.of(Path.of("src", "main", "resources", "routes"), Path.of("examples"))) {
            try (Stream<Path> routes = Files.walk(dir)) {
                for (Path route :
                        routes.filter(p -> p.toString().endsWith(".camel.yaml")).toList()) {
                    for (String line : Files.readAllLines(route)) {
                        Matcher message = ROUTE_LOG.matcher(line);
                        if (message.matches()) {
                            Matcher event = EVENT.matcher(message.group(1));
                            while (event.find()) {
                                events.add(event.group(1));
                            }
                        }
                    }
                }
            }
        }
        return events;
    }

    /** The events a Java source logs: in its string literals, and as the first argument of an "event={}" template. */
    static Set<String> javaEvents(String source) {
        List<Token> tokens = tokens(source);
        Set<String> events = new LinkedHashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (!token.string()) {
                continue;
            }
            Matcher event = EVENT.matcher(token.text());
            while (event.find()) {
                events.add(event.group(1));
            }
            if (token.text().startsWith("event={}")) {
                int next = i + 1;
                while (next + 1 < tokens.size()
                        && tokens.get(next).is("+")
                        && tokens.get(next + 1).string()) {
                    next += 2; // the template goes on: "..." + "..."
                }
                if (next < tokens.size() && tokens.get(next).is(",")) {
                    // the first argument, up to the comma or parenthesis that ends it
                    int depth = 0;
                    for (int j = next + 1; j < tokens.size(); j++) {
                        Token argument = tokens.get(j);
                        if (depth == 0 && (argument.is(",") || argument.is(")"))) {
                            break;
                        }
                        depth += argument.is("(") ? 1 : argument.is(")") ? -1 : 0;
                        if (argument.string()
                                && EVENT_NAME.matcher(argument.text()).matches()) {
                            events.add(argument.text());
                        }
                    }
                }
            }
        }
        return events;
    }

    /** A token of Java source: a string literal's content, or any other single token (a word or one character). */
    record Token(String text, boolean string) {
        boolean is(String other) {
            return !string && text.equals(other);
        }
    }

    /** Java source as tokens, without comments, white space or character literals. */
    static List<Token> tokens(String source) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end;
                tokens.add(new Token(source.substring(i + 3, end), true));
                i = Math.min(n, end + 3);
            } else if (c == '"' || c == '\'') {
                StringBuilder text = new StringBuilder();
                int j = i + 1;
                while (j < n && source.charAt(j) != c) {
                    if (source.charAt(j) == '\\' && j + 1 < n) {
                        text.append(source.charAt(j + 1));
                        j += 2;
                    } else {
                        text.append(source.charAt(j++));
                    }
                }
                if (c == '"') {
                    tokens.add(new Token(text.toString(), true));
                }
                i = j + 1;
            } else if (Character.isJavaIdentifierPart(c)) {
                int j = i;
                while (j < n && Character.isJavaIdentifierPart(source.charAt(j))) {
                    j++;
                }
                tokens.add(new Token(source.substring(i, j), false));
                i = j;
            } else {
                tokens.add(new Token(String.valueOf(c), false));
                i++;
            }
        }
        return tokens;
    }
}
