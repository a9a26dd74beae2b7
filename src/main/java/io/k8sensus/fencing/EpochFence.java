package io.k8sensus.fencing;

import io.k8sensus.log.KeyValueLog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of fencing: a route step that lets an exchange through only if its epoch
 * ({@value LeaderHeaders#EPOCH}) is at least the highest seen so far for its group ({@value LeaderHeaders#GROUP}),
 * and rejects it otherwise with a {@link StaleLeaderException}. A leader paused past its lease (GC, SIGSTOP) that
 * wakes up and acts is stopped here, whatever the clocks say: its epoch is lower than its successor's.
 * <p>
 * Use it as {@code - process: {ref: "epochFence"}} before the step that acts. The highest epochs live in this
 * object's memory: one receiver process, one fence. A receiver that stores state should keep the epoch with that
 * state and apply the same rule in the same transaction (e.g. {@code UPDATE ... WHERE epoch <= :epoch}).
 */
public class EpochFence implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.fence");

    private final Map<String, Long> highestByGroup = new ConcurrentHashMap<>();

    @Override
    public void process(Exchange exchange) throws Exception {
        String group = exchange.getMessage().getHeader(LeaderHeaders.GROUP, String.class);
        Long epoch = exchange.getMessage().getHeader(LeaderHeaders.EPOCH, Long.class);
        String leader = exchange.getMessage().getHeader(LeaderHeaders.LEADER, String.class);
        if (group == null || epoch == null || epoch < 0) {
            reject(
                    exchange,
                    "event=fence-rejected group=" + group + " leader=" + leader + " epoch=" + epoch
                            + " reason=\"no valid " + LeaderHeaders.GROUP + "/" + LeaderHeaders.EPOCH + " headers\"");
        }
        long highest = highestByGroup.merge(group, epoch, Math::max);
        if (epoch < highest) {
            reject(
                    exchange,
                    "event=fence-rejected group=" + group + " leader=" + leader + " epoch=" + epoch
                            + " reason=\"a newer term (epoch " + highest + ") has acted\"");
        }
    }

    /** The highest epoch accepted for a group, or -1. */
    public long highest(String group) {
        return highestByGroup.getOrDefault(group, -1L);
    }

    private static void reject(Exchange exchange, String message) throws StaleLeaderException {
        KeyValueLog.warn(LOG, "{}", message);
        throw new StaleLeaderException(message);
    }
}
