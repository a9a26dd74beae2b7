package io.k8sensus.wiring;

import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.activemq.artemis.api.core.Interceptor;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.protocol.core.impl.wireformat.MessagePacket;
import org.apache.activemq.artemis.core.server.RoutingContext;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerMessagePlugin;

/**
 * A real ActiveMQ Artemis broker in the test's JVM, on a loopback TCP port, with its journal in a temporary directory.
 * It counts the messages its duplicate detection refused (a message whose {@code _AMQ_DUPL_ID} the address has seen).
 */
public final class ArtemisBroker implements AutoCloseable {

    private final int port;
    private final Path dir;
    private final AtomicLong sentWithDuplicateId = new AtomicLong();
    private final AtomicLong routedWithDuplicateId = new AtomicLong();
    private EmbeddedActiveMQ broker;

    public ArtemisBroker() {
        this.port = EmbeddedKubernetesApi.freePort();
        try {
            dir = Files.createTempDirectory("k8sensus-artemis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public long duplicatesRefused() {
        return sentWithDuplicateId.get() - routedWithDuplicateId.get();
    }

    /** Messages on a queue, delivered or not, not yet acknowledged. */
    public synchronized long pending(String queue) {
        var q = broker.getActiveMQServer().locateQueue(SimpleString.of(queue));
        return q == null ? 0 : q.getMessageCount();
    }

    public synchronized void start() {
        try {
            Configuration configuration = new ConfigurationImpl()
                    .setSecurityEnabled(false)
                    .setPersistenceEnabled(true)
                    .setJournalDirectory(dir.resolve("journal").toString())
                    .setBindingsDirectory(dir.resolve("bindings").toString())
                    .setLargeMessagesDirectory(dir.resolve("large").toString())
                    .setPagingDirectory(dir.resolve("paging").toString())
                    .setJMXManagementEnabled(false)
                    .addAcceptorConfiguration("tcp", url());
            // the broker's duplicate check returns before its routing hooks: count the sends that carry a duplicate
            // id as they arrive, and those routed; the difference was refused
            configuration.registerBrokerPlugin(new ActiveMQServerMessagePlugin() {
                @Override
                public void beforeMessageRoute(
                        Message message, RoutingContext context, boolean direct, boolean rejectDuplicates) {
                    if (message.getDuplicateIDBytes() != null) {
                        routedWithDuplicateId.incrementAndGet();
                    }
                }
            });
            broker = new EmbeddedActiveMQ().setConfiguration(configuration);
            broker.start();
            broker.getActiveMQServer().getRemotingService().addIncomingInterceptor((Interceptor)
                    (packet, connection) -> {
                        if (packet instanceof MessagePacket send
                                && send.getMessage().getDuplicateIDBytes() != null) {
                            sentWithDuplicateId.incrementAndGet();
                        }
                        return true;
                    });
        } catch (Exception e) {
            throw new IllegalStateException("Artemis did not start", e);
        }
    }

    public synchronized void stop() {
        if (broker != null) {
            try {
                broker.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            broker = null;
        }
    }

    @Override
    public void close() {
        stop();
        PostgresServer.deleteTree(dir);
    }
}
