package io.k8sensus.camel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;

/**
 * {@code slow:<name>}: a consumer whose start waits until the test lets it complete, like one that connects to a slow
 * server, and that creates an exchange when the test says so. Every consumer it creates is kept, so a test can see
 * which ones run.
 */
final class SlowStartComponent extends DefaultComponent {

    private final CountDownLatch startsMayComplete = new CountDownLatch(1);
    private final List<SlowConsumer> consumers = new CopyOnWriteArrayList<>();

    private final CountDownLatch stopsMayComplete = new CountDownLatch(1);
    private volatile boolean stopsWait;

    /** From now on, a consumer's stop waits until {@link #letStopsComplete()}, as a Kafka consumer waits for its poll. */
    void holdStops() {
        stopsWait = true;
    }

    void letStopsComplete() {
        stopsMayComplete.countDown();
    }

    /** From now on, a start that waits completes, and later starts do not wait. */
    void letStartsComplete() {
        startsMayComplete.countDown();
    }

    /** The consumers created so far, oldest first. */
    List<SlowConsumer> consumers() {
        return consumers;
    }

    /** The consumers whose start has begun and which have not stopped since. */
    List<SlowConsumer> running() {
        return consumers.stream().filter(c -> c.startEntered && !c.isStopped()).toList();
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        return new DefaultEndpoint(uri, this) {
            @Override
            public Producer createProducer() {
                throw new UnsupportedOperationException("slow: only consumes");
            }

            @Override
            public Consumer createConsumer(Processor processor) {
                SlowConsumer consumer = new SlowConsumer(this, processor);
                consumers.add(consumer);
                return consumer;
            }
        };
    }

    final class SlowConsumer extends DefaultConsumer {

        private final CountDownLatch entered = new CountDownLatch(1);
        private volatile boolean startEntered;
        private volatile boolean stopEntered;

        SlowConsumer(Endpoint endpoint, Processor processor) {
            super(endpoint, processor);
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            startEntered = true;
            entered.countDown();
            if (!startsMayComplete.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the start complete");
            }
        }

        @Override
        protected void doStop() throws Exception {
            stopEntered = true;
            if (stopsWait && !stopsMayComplete.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the stop complete");
            }
            super.doStop();
        }

        /** Whether its stop has begun (it may still be waiting). */
        boolean stopEntered() {
            return stopEntered;
        }

        /** Whether its start has begun (it may still be waiting). */
        boolean startEntered() {
            return startEntered;
        }

        /** Creates one exchange and routes it, as the consumer would on an event of its own. */
        Exchange fire() throws Exception {
            Exchange exchange = createExchange(false);
            getProcessor().process(exchange);
            return exchange;
        }
    }
}
