package io.k8sensus.log;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;

/**
 * The {@code key=value} lines of k8sensus ({@code event=acquired group=jobs pod=p leader=p epoch=3}), with their keys
 * also as structured fields: while a line is logged, each {@code key=value} of its message is in the MDC, which the
 * JSON layout ({@code K8SENSUS_LOG_FORMAT=json}) writes as fields of the line's object beside the message. The text
 * layout prints the message alone, so the plain line is unchanged. A quoted value ({@code reason="..."}) loses its
 * quotes; a value ends at white space, and a colon that ends it is left out ({@code epoch=3: no renewal...}).
 */
public final class KeyValueLog {

    private static final Pattern PAIR = Pattern.compile("(?<![\\w.-])([a-z][\\w-]*)=(\"[^\"]*\"|\\S+)");

    private KeyValueLog() {}

    public static void info(Logger log, String template, Object... args) {
        log(log, Level.INFO, template, args);
    }

    public static void warn(Logger log, String template, Object... args) {
        log(log, Level.WARN, template, args);
    }

    public static void error(Logger log, String template, Object... args) {
        log(log, Level.ERROR, template, args);
    }

    /** The {@code key=value} pairs of a line, in order. */
    public static Map<String, String> pairs(String message) {
        Map<String, String> pairs = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(message);
        while (m.find()) {
            String value = m.group(2);
            if (value.startsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            } else if (value.endsWith(":") || value.endsWith(",")) {
                value = value.substring(0, value.length() - 1);
            }
            pairs.putIfAbsent(m.group(1), value);
        }
        return pairs;
    }

    private static void log(Logger log, Level level, String template, Object[] args) {
        if (!log.isEnabledForLevel(level)) {
            return;
        }
        FormattingTuple line = MessageFormatter.arrayFormat(template, args);
        String message = line.getMessage();
        List<MDC.MDCCloseable> fields = new ArrayList<>();
        try {
            pairs(message).forEach((key, value) -> fields.add(MDC.putCloseable(key, value)));
            log.atLevel(level).setCause(line.getThrowable()).log(message);
        } finally {
            fields.forEach(MDC.MDCCloseable::close);
        }
    }
}
