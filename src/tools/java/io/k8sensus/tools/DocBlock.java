package io.k8sensus.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A generated part of a hand-written Markdown document: the text between {@code <!-- begin NAME -->} and
 * {@code <!-- end NAME -->}. A tool that measures something rewrites its own block and leaves the rest of the document
 * (and the other tools' blocks) as they are; where the block is missing, it is added at the end.
 */
public final class DocBlock {

    private DocBlock() {}

    public static void write(Path document, String name, String content) throws IOException {
        String begin = "<!-- begin " + name + " (generated: do not edit by hand) -->\n";
        String end = "<!-- end " + name + " -->\n";
        String block = begin + content.strip() + "\n" + end;
        String text = Files.exists(document) ? Files.readString(document) : "";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from >= 0 && to > from) {
            text = text.substring(0, from) + block + text.substring(to + end.length());
        } else {
            text = text + (text.isEmpty() || text.endsWith("\n\n") ? "" : "\n") + block;
        }
        Files.writeString(document, text);
    }
}
