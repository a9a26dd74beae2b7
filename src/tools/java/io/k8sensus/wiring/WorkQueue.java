package io.k8sensus.wiring;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * The JMS recipe's queues seen from outside: a producer that sends items to the work queue at a steady rate, and
 * sends some of them a second time (as an at-least-once producer does after a timeout), and a consumer of the results
 * queue that records every result it gets.
 */
public final class WorkQueue implements AutoCloseable {

    public static final Path RECIPE = Path.of("examples", "jms");
    public static final String GROUP = "jms-queue";

    public record Received(String item, String leader, long epoch, long nanos) {}

    private final ArtemisBroker broker;
    private final Connection producerConnection;
    private final Connection consumerConnection;
    private final Map<String, Long> firstSent = new ConcurrentHashMap<>();
    private final List<Received> results = new CopyOnWriteArrayList<>();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger resent = new AtomicInteger();
    private ScheduledExecutorService feeder;

    public WorkQueue(ArtemisBroker broker) {
        this.broker = broker;
        try {
            ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(broker.url());
            producerConnection = factory.createConnection();
            consumerConnection = factory.createConnection();
            Session session = consumerConnection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue("results"));
            consumer.setMessageListener(message -> {
                try {
                    results.add(new Received(
                            message.getStringProperty("ItemId"),
                            message.getStringProperty("K8sensusLeader"),
                            message.getLongProperty("K8sensusEpoch"),
                            System.nanoTime()));
                } catch (JMSException e) {
                    throw new IllegalStateException(e);
                }
            });
            consumerConnection.start();
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The recipe's settings as a Deployment passes them (environment variables, e.g. from a Secret). */
    public static Map<String, String> environment(ArtemisBroker broker) {
        return Map.of("WORK_BROKER_URL", broker.url() + "?consumerWindowSize=0", "WORK_WORK_MS", "40");
    }

    /** Sends {@code items} items, {@code perSecond} a second; every {@code resendEvery}-th item is sent again later. */
    public void feed(int items, double perSecond, int resendEvery) {
        feeder = Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", "work-feeder", true));
        try {
            Session session = producerConnection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue("work"));
            List<String> toResend = new ArrayList<>();
            feeder.scheduleAtFixedRate(
                    () -> {
                        try {
                            String item;
                            if (sent.get() < items) {
                                item = "item-" + (sent.get() + 1);
                                if ((sent.get() + 1) % resendEvery == 0) {
                                    toResend.add(item);
                                }
                            } else if (!toResend.isEmpty()) {
                                item = toResend.remove(0);
                                resent.incrementAndGet();
                            } else {
                                feeder.shutdown();
                                return;
                            }
                            var message = session.createTextMessage(item);
                            message.setStringProperty("ItemId", item);
                            producer.send(message);
                            if (firstSent.putIfAbsent(item, System.nanoTime()) == null) {
                                sent.incrementAndGet();
                            }
                        } catch (JMSException e) {
                            // the broker refused: the next tick tries again
                        }
                    },
                    0,
                    (long) (1_000_000 / perSecond),
                    TimeUnit.MICROSECONDS);
        } catch (JMSException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean fed(int items) {
        return sent.get() == items && feeder.isShutdown();
    }

    public int resent() {
        return resent.get();
    }

    /** Items with at least one result. */
    public long done() {
        return results.stream().map(Received::item).distinct().count();
    }

    public long doneAbove(long epoch) {
        return results.stream().filter(r -> r.epoch() > epoch).count();
    }

    public long highestEpoch() {
        return results.stream().mapToLong(Received::epoch).max().orElse(-1);
    }

    public record Outcome(
            long items,
            long done,
            long lost,
            long doneTwice,
            int resent,
            long duplicatesRefused,
            long epochs,
            long longestGapMs) {}

    public Outcome outcome(int items) {
        Map<String, Long> perItem = new HashMap<>();
        results.forEach(r -> perItem.merge(r.item(), 1L, Long::sum));
        long lost = 0;
        for (int i = 1; i <= items; i++) {
            if (!perItem.containsKey("item-" + i)) {
                lost++;
            }
        }
        long gap = 0;
        List<Received> ordered = new ArrayList<>(results);
        ordered.sort(Comparator.comparingLong(Received::nanos));
        for (int i = 1; i < ordered.size(); i++) {
            long waitingSince = Math.max(
                    ordered.get(i - 1).nanos(),
                    firstSent.getOrDefault(
                            ordered.get(i).item(), ordered.get(i - 1).nanos()));
            gap = Math.max(gap, ordered.get(i).nanos() - waitingSince);
        }
        return new Outcome(
                items,
                perItem.size(),
                lost,
                perItem.values().stream().filter(n -> n > 1).count(),
                resent.get(),
                broker.duplicatesRefused(),
                results.stream().mapToLong(Received::epoch).distinct().count(),
                gap / 1_000_000);
    }

    @Override
    public void close() {
        if (feeder != null) {
            feeder.shutdownNow();
        }
        try {
            producerConnection.close();
            consumerConnection.close();
        } catch (JMSException e) {
            // the broker is gone already
        }
    }
}
