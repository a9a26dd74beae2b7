package io.k8sensus.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.k8sensus.log.KeyValueLog;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events regarding a group's Lease when this replica becomes its leader or stops leading it, as client-go's
 * event recorder writes them (core/v1, reason {@code LeaderElection}, "... became leader"), so that
 * {@code kubectl get events} and {@code kubectl describe lease} tell who led when. The epoch is in the message.
 * <p>
 * Written on a thread of their own (the election never waits for the API server on their account; at most
 * {@value #QUEUE} wait, more are dropped with a log line), and rate-limited per group: a burst of {@value #BURST},
 * then one per {@value #REFILL_SECONDS} s, so that a flapping group cannot flood the API server; what the limit drops
 * is counted in the next event's message and logged. If the Role does not allow it (HTTP 403), this says so once and
 * writes no more.
 */
public final class LeaseEvents implements LeadershipChanges {

    static final int BURST = 5;
    static final long REFILL_SECONDS = 60;
    private static final int QUEUE = 16;
    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.events");

    private final Supplier<KubernetesClient> client;
    private final String namespace;
    private final String pod;
    private final LongSupplier nanos;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final BackgroundWrites writer = new BackgroundWrites("k8sensus-events", QUEUE);
    private volatile boolean refused;

    public LeaseEvents(Supplier<KubernetesClient> client, String namespace, String pod) {
        this(client, namespace, pod, System::nanoTime);
    }

    LeaseEvents(Supplier<KubernetesClient> client, String namespace, String pod, LongSupplier nanos) {
        this.client = client;
        this.namespace = namespace;
        this.pod = pod;
        this.nanos = nanos;
    }

    @Override
    public void becameLeader(String group, String lease, long epoch) {
        record(group, lease, pod + " became leader (epoch " + epoch + ")");
    }

    @Override
    public void stoppedLeading(String group, String lease, long epoch) {
        record(group, lease, pod + " stopped leading (epoch " + epoch + ")");
    }

    private void record(String group, String lease, String message) {
        if (refused) {
            return;
        }
        int dropped = buckets.computeIfAbsent(group, g -> new Bucket()).take(nanos.getAsLong());
        if (dropped < 0) {
            return; // over the limit: counted, told with the next one
        }
        String text = dropped == 0
                ? message
                : message + "; " + dropped + " earlier event(s) of this group not written" + " (rate limit: " + BURST
                        + ", then 1 per " + REFILL_SECONDS + " s)";
        if (!writer.submit(() -> write(lease, text))) {
            KeyValueLog.warn(
                    LOG,
                    "event=kubernetes-event-dropped group={} pod={} reason=\"{} events already wait to be"
                            + " written\" message=\"{}\"",
                    group,
                    pod,
                    QUEUE,
                    text);
        }
    }

    private void write(String lease, String message) {
        Instant now = Instant.now();
        Event event = new EventBuilder()
                .withNewMetadata()
                .withGenerateName(lease + ".")
                .withNamespace(namespace)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion("coordination.k8s.io/v1")
                .withKind("Lease")
                .withName(lease)
                .withNamespace(namespace)
                .endInvolvedObject()
                .withReason("LeaderElection")
                .withMessage(message)
                .withType("Normal")
                .withNewSource()
                .withComponent("k8sensus")
                .withHost(pod)
                .endSource()
                .withReportingComponent("k8sensus")
                .withReportingInstance(pod)
                .withFirstTimestamp(now.toString())
                .withLastTimestamp(now.toString())
                .withCount(1)
                .build();
        try {
            client.get().v1().events().inNamespace(namespace).resource(event).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                refused = true;
                KeyValueLog.warn(
                        LOG,
                        "event=kubernetes-events-refused pod={} reason=\"HTTP 403: the Role does not allow"
                                + " create on events\": no more Events are written",
                        pod);
            } else {
                KeyValueLog.warn(
                        LOG,
                        "event=kubernetes-event-failed pod={} reason=\"{}\" message=\"{}\"",
                        pod,
                        RootCause.describe(e),
                        message);
            }
        } catch (RuntimeException e) {
            KeyValueLog.warn(
                    LOG,
                    "event=kubernetes-event-failed pod={} reason=\"{}\" message=\"{}\"",
                    pod,
                    RootCause.describe(e),
                    message);
        }
    }

    /** Stops the writer; events still waiting are written first, for at most {@code waitMs}. */
    @Override
    public void close(long waitMs) {
        writer.close(waitMs);
    }

    /** A token bucket per group: {@link #BURST} tokens, one more every {@link #REFILL_SECONDS} s. */
    private static final class Bucket {

        private double tokens = BURST;
        private long at = Long.MIN_VALUE;
        private int dropped;

        /** Takes a token: the number dropped since the last one taken, or -1 if there is none (then counted). */
        synchronized int take(long now) {
            if (at != Long.MIN_VALUE) {
                tokens = Math.min(BURST, tokens + (now - at) / (REFILL_SECONDS * 1e9));
            }
            at = now;
            if (tokens < 1) {
                dropped++;
                return -1;
            }
            tokens--;
            int told = dropped;
            dropped = 0;
            return told;
        }
    }
}
