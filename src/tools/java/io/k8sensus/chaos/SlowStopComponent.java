package io.k8sensus.chaos;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer whose stop blocks, as camel-kafka's waits for its poll threads: {@code slowstop:name?period=100&stopMs=2500}
 * offers an exchange every {@code period} ms (header {@value #COUNTER}: 1, 2, ...) and, asked to stop, keeps offering
 * them for {@code stopMs} before it stops. For the chaos scenario blocking-stop, bound in a replica by a route file's
 * {@code beans:} (the replica then runs with the tools' classes on its class path).
 */
public final class SlowStopComponent extends DefaultComponent {

    /** The header with the exchange's number. */
    public static final String COUNTER = "SlowStopCounter";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        SlowStopEndpoint endpoint = new SlowStopEndpoint(uri, this);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /** The endpoint: its options are the consumer's. */
    public static final class SlowStopEndpoint extends DefaultEndpoint {

        private long period = 100;
        private long stopMs = 2500;

        SlowStopEndpoint(String uri, SlowStopComponent component) {
            super(uri, component);
        }

        public long getPeriod() {
            return period;
        }

        /** How often an exchange is offered, in ms. */
        public void setPeriod(long period) {
            this.period = period;
        }

        public long getStopMs() {
            return stopMs;
        }

        /** How long a stop blocks, in ms, offering exchanges meanwhile. */
        public void setStopMs(long stopMs) {
            this.stopMs = stopMs;
        }

        @Override
        public Producer createProducer() {
            throw new UnsupportedOperationException("slowstop: is a consumer only");
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            SlowStopConsumer consumer = new SlowStopConsumer(this, processor);
            configureConsumer(consumer);
            return consumer;
        }
    }

    /** Offers an exchange every period on a thread of its own; its stop blocks for stopMs first. */
    static final class SlowStopConsumer extends DefaultConsumer {

        private static final Logger LOG = LoggerFactory.getLogger(SlowStopConsumer.class);

        private final SlowStopEndpoint endpoint;
        private final AtomicLong counter = new AtomicLong();
        private volatile ScheduledExecutorService ticks;

        SlowStopConsumer(SlowStopEndpoint endpoint, Processor processor) {
            super(endpoint, processor);
            this.endpoint = endpoint;
        }

        @Override
        protected void doStart() throws Exception {
            super.doStart();
            ticks = Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", "slowstop", true));
            ticks.scheduleAtFixedRate(this::offer, 0, endpoint.getPeriod(), TimeUnit.MILLISECONDS);
        }

        private void offer() {
            Exchange exchange = createExchange(true);
            exchange.getMessage().setHeader(COUNTER, counter.incrementAndGet());
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            } finally {
                releaseExchange(exchange, false);
            }
        }

        @Override
        protected void doStop() throws Exception {
            LOG.info("slowstop: stop blocks for {} ms", endpoint.getStopMs());
            Thread.sleep(endpoint.getStopMs());
            ScheduledExecutorService running = ticks;
            if (running != null) {
                running.shutdownNow();
            }
            LOG.info("slowstop: stopped");
            super.doStop();
        }
    }
}
