package io.k8sensus.kube;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.spi.resolver.ResolverProvider;
import java.util.concurrent.TimeUnit;

/**
 * The Vert.x instance under the election's fabric8 clients, with one event loop. fabric8's own factory makes a
 * Vert.x per client with the default pools (an event loop per connection up to twice the cores, 20 internal blocking
 * threads), and the election keeps several connections open: its calls, the watch of each Lease and the watch of
 * the candidate Pods. Their I/O is non-blocking and about one message per retry period and group, which one event
 * loop carries; each thread saved is a stack and a Netty buffer cache less per replica. The options are otherwise
 * fabric8's (daemon threads, no file caching or class path resolving, the JDK's DNS resolver). fabric8 leaves a Vert.x
 * it is given open: the owner closes it after its clients.
 */
public final class ElectionVertx implements AutoCloseable {

    private final Vertx vertx;

    private ElectionVertx(Vertx vertx) {
        this.vertx = vertx;
    }

    public static ElectionVertx start() {
        // as fabric8 does: the async DNS resolver is chosen while Vert.x starts, and the JDK's is wanted
        String before = System.getProperty(ResolverProvider.DISABLE_DNS_RESOLVER_PROP_NAME);
        try {
            System.setProperty(ResolverProvider.DISABLE_DNS_RESOLVER_PROP_NAME, "true");
            return new ElectionVertx(Vertx.vertx(new VertxOptions()
                    .setEventLoopPoolSize(1)
                    .setInternalBlockingPoolSize(1)
                    .setWorkerPoolSize(1)
                    .setUseDaemonThread(true)
                    .setFileSystemOptions(
                            new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false))));
        } finally {
            if (before == null) {
                System.clearProperty(ResolverProvider.DISABLE_DNS_RESOLVER_PROP_NAME);
            } else {
                System.setProperty(ResolverProvider.DISABLE_DNS_RESOLVER_PROP_NAME, before);
            }
        }
    }

    /** The HTTP client factory of the clients on this Vert.x. */
    public HttpClient.Factory httpClientFactory() {
        return new VertxHttpClientFactory(vertx);
    }

    /** Closes the event loop; after the clients on it are closed. */
    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // closing is best effort: the threads are daemons and the process is usually ending
        }
    }
}
