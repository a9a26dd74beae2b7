package io.k8sensus.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Collects the formatted messages of one logger while a test runs. */
public final class LogCapture extends AbstractAppender implements AutoCloseable {

    /** One captured line and when it was logged (System.nanoTime()). */
    public record Entry(long nanos, String message) {}

    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final Logger logger;

    private LogCapture(String loggerName) {
        super("capture-" + loggerName, null, null, true, Property.EMPTY_ARRAY);
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        this.logger = context.getLogger(loggerName);
        start();
        logger.addAppender(this);
    }

    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    @Override
    public void append(LogEvent event) {
        entries.add(new Entry(System.nanoTime(), event.getMessage().getFormattedMessage()));
    }

    public List<String> messages() {
        return entries.stream().map(Entry::message).toList();
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public void close() {
        logger.removeAppender(this);
        stop();
    }
}
