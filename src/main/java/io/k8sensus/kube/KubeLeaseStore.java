package io.k8sensus.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.k8sensus.elector.Answer;
import io.k8sensus.elector.LeaseRecord;
import io.k8sensus.elector.LeaseRequest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The I/O of one group's election: makes the elector's {@link LeaseRequest}s to the API server with fabric8, and
 * turns Leases and failures into what the elector reads ({@link LeaseRecord}, {@link Answer}). Writes are optimistic
 * updates carrying the resourceVersion the elector decided on ({@code lockResourceVersion}), so the API server refuses
 * them with 409 if anyone wrote in between; except a renewal, which is a JSON Patch conditioned on the term (see
 * {@link #renewal}), so that renewals need not wait for each other. The acquire and renew times are this machine's
 * wall clock, as client-go writes them; no one reads them as times. Calls may be made from several threads at once.
 */
public final class KubeLeaseStore {

    private final KubernetesClient client;
    private final ApiConnectivityLog connectivity;
    private final String namespace;
    private final String name;
    /** The last Lease object seen, so that an update keeps what others put in its metadata (labels, annotations). */
    private volatile Lease lastSeen;
    /** The last renew time written: each renewal writes a later one, so that each changes the spec. */
    private Instant lastStamp = Instant.EPOCH;

    /** {@code metav1.MicroTime} as the API server writes it (and fabric8 too): UTC, six digits. */
    private static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private static final ObjectMapper JSON = new ObjectMapper();

    public KubeLeaseStore(KubernetesClient client, ApiConnectivityLog connectivity, String namespace, String name) {
        this.client = client;
        this.connectivity = connectivity;
        this.namespace = namespace;
        this.name = name;
    }

    /** Makes the request; never throws: a failure is an {@link Answer}. */
    public Answer perform(LeaseRequest request) {
        try {
            return new Answer.Ok(record(send(request)));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 422
                    && (request instanceof LeaseRequest.Renew || request instanceof LeaseRequest.Release)
                    && failedTest(e)) {
                return new Answer.TermLost();
            }
            if (e.getCode() == 409) {
                return new Answer.Conflict();
            }
            if (e.getCode() == 404 && request.writes()) {
                return new Answer.NotFound();
            }
            return failed(e);
        } catch (RuntimeException e) {
            return failed(e);
        }
    }

    /**
     * Whether a 422 is the API server's answer to a JSON Patch it could not apply (a {@code test} failed): no kind in its
     * details. A 422 from the Lease's validation names the kind (and fields); that is a bug here, not a lost term.
     */
    private static boolean failedTest(KubernetesClientException e) {
        var status = e.getStatus();
        return status == null
                || status.getDetails() == null
                || status.getDetails().getKind() == null
                || status.getDetails().getKind().isEmpty();
    }

    private Answer failed(RuntimeException e) {
        return new Answer.Failed(connectivity.failed(client, e));
    }

    private Lease send(LeaseRequest request) {
        var leases = client.leases().inNamespace(namespace);
        ZonedDateTime now = ZonedDateTime.now();
        if (request instanceof LeaseRequest.Read) {
            return leases.withName(name).get();
        }
        if (request instanceof LeaseRequest.Create create) {
            Lease lease = newLease(spec(now, create.holder(), create.leaseDurationSeconds(), create.epoch(), now));
            return leases.resource(withHolderDuration(lease, create.leaseDurationSeconds()))
                    .create();
        }
        if (request instanceof LeaseRequest.Restore restore) {
            LeaseRecord last = restore.last();
            ZonedDateTime acquired = last.acquireTime() == null ? now : time(last.acquireTime());
            LeaseSpec spec = spec(acquired, last.holder(), seconds(last.leaseDurationMs()), last.epoch(), now);
            return leases.resource(withHolderDuration(newLease(spec), seconds(last.leaseDurationMs())))
                    .create();
        }
        if (request instanceof LeaseRequest.Acquire acquire) {
            return update(acquire.baseVersion(), null, acquire.leaseDurationSeconds(), spec -> {
                spec.setHolderIdentity(acquire.holder());
                spec.setAcquireTime(now);
                spec.setRenewTime(now);
                spec.setLeaseDurationSeconds(acquire.leaseDurationSeconds());
                spec.setLeaseTransitions((int) acquire.epoch());
            });
        }
        if (request instanceof LeaseRequest.Renew renew) {
            // resource(...) names the Lease without fetching it: withName(...).patch(...) would GET it first
            return leases.resource(newLease(null))
                    .patch(PatchContext.of(PatchType.JSON), renewal(renew.term(), stamp(now.toInstant())));
        }
        if (request instanceof LeaseRequest.RaiseEpoch raise) {
            return update(raise.lease().version(), raise.lease(), spec -> {
                spec.setLeaseTransitions((int) raise.epoch());
                if (raise.placeholder() != null) {
                    spec.setHolderIdentity(raise.placeholder());
                    spec.setAcquireTime(now);
                    spec.setRenewTime(now);
                    spec.setLeaseDurationSeconds(raise.leaseDurationSeconds());
                }
            });
        }
        LeaseRecord term = ((LeaseRequest.Release) request).term();
        Lease seen = lastSeen;
        return leases.resource(newLease(null))
                .patch(PatchContext.of(PatchType.JSON), release(term, seen != null && stepDownValue(seen) != null));
    }

    /**
     * The JSON Patch of a release of {@code term}: the same {@code test}s as a renewal's, then the holder, the times and
     * the duration cleared, the epoch kept. Conditioned on the term, not on the resourceVersion, so that a write of the
     * metadata alone in between (a runner mark, a label) does not make it conflict and leave the Lease to expire; a
     * Lease that no longer holds the term is not touched (422).
     */
    static String release(LeaseRecord term) {
        return release(term, false);
    }

    /**
     * As {@link #release(LeaseRecord)}; with {@code clearStepDown}, the request to step down is cleared too (set empty:
     * {@code add} cannot fail on a request withdrawn meanwhile, where {@code remove} would).
     */
    static String release(LeaseRecord term, boolean clearStepDown) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ArrayNode ops = termTests(term);
        for (String field : new String[] {"holderIdentity", "acquireTime", "renewTime", "leaseDurationSeconds"}) {
            ops.addObject().put("op", "add").put("path", "/spec/" + field).set("value", f.nullNode());
        }
        if (clearStepDown) {
            ops.addObject()
                    .put("op", "add")
                    .put("path", "/metadata/annotations/" + STEP_DOWN.replace("/", "~1"))
                    .put("value", "");
        }
        return json(ops);
    }

    /** The {@code test}s that the Lease holds {@code term}: its holder, epoch and acquire time. */
    private static ArrayNode termTests(LeaseRecord term) {
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        ops.addObject().put("op", "test").put("path", "/spec/holderIdentity").put("value", term.holder());
        ops.addObject().put("op", "test").put("path", "/spec/leaseTransitions").put("value", (int) term.epoch());
        ops.addObject()
                .put("op", "test")
                .put("path", "/spec/acquireTime")
                .put("value", term.acquireTime() == null ? null : MICRO_TIME.format(Instant.parse(term.acquireTime())));
        return ops;
    }

    private static String json(ArrayNode ops) {
        try {
            return JSON.writeValueAsString(ops);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The JSON Patch of a renewal of {@code term}: {@code test}s that the Lease holds the term (holder, epoch, acquire
     * time, as the API server wrote them), then the renew time and the term's lease duration. The API server applies
     * it atomically against the object it commits on (re-applied after a conflict inside etcd), so it lands only on
     * this term, whatever was written in between, and answers 422 (nothing written) when a test fails. The whole record
     * of the term holds after it, so a hand edit of the spec lasts one renewal at most. {@code add}, not
     * {@code replace}: the real server and the embedded one agree on it whether the field exists or not.
     */
    static String renewal(LeaseRecord term, Instant renewTime) {
        ArrayNode ops = termTests(term);
        ops.addObject().put("op", "add").put("path", "/spec/renewTime").put("value", MICRO_TIME.format(renewTime));
        ops.addObject()
                .put("op", "add")
                .put("path", "/spec/leaseDurationSeconds")
                .put("value", seconds(term.leaseDurationMs()));
        return json(ops);
    }

    /** A renew time later than every one this store wrote (microseconds, as the Lease keeps them). */
    private synchronized Instant stamp(Instant now) {
        Instant t = now.truncatedTo(ChronoUnit.MICROS);
        lastStamp = t.isAfter(lastStamp) ? t : lastStamp.plus(1, ChronoUnit.MICROS);
        return lastStamp;
    }

    /**
     * An optimistic update of the Lease of {@code version}: built on the Lease object last seen at that version (so
     * that nothing others wrote in its metadata is lost), else on {@code basis}.
     */
    private Lease update(String version, LeaseRecord basis, Consumer<LeaseSpec> change) {
        return update(version, basis, null, change);
    }

    /** As above; with {@code holderSeconds}, the write starts a term: its holder's own duration goes with it. */
    private Lease update(String version, LeaseRecord basis, Integer holderSeconds, Consumer<LeaseSpec> change) {
        Lease seen = lastSeen;
        Lease base = seen != null && version.equals(seen.getMetadata().getResourceVersion())
                ? seen
                : newLease(basis == null ? new LeaseSpec() : spec(basis));
        Lease updated = new LeaseBuilder(base).build();
        if (updated.getSpec() == null) {
            updated.setSpec(new LeaseSpec());
        }
        change.accept(updated.getSpec());
        if (holderSeconds != null) {
            withHolderDuration(updated, holderSeconds);
            if (updated.getMetadata().getAnnotations() != null) {
                updated.getMetadata()
                        .getAnnotations()
                        .remove(STEP_DOWN); // an earlier holder's request, not this term's
            }
        }
        updated.getMetadata().setResourceVersion(version);
        return client.leases()
                .inNamespace(namespace)
                .resource(updated)
                .lockResourceVersion(version)
                .update();
    }

    /**
     * The annotation that keeps the lease duration the term's holder wrote when it took the Lease. A hand edit of
     * {@code spec.leaseDurationSeconds} ({@code kubectl edit lease}) leaves it, so a replica that first sees the Lease
     * after such an edit still waits the holder's own duration: during a rollout that shortens the timings, a new
     * replica's own lease duration may be below an old holder's renew deadline.
     */
    public static final String HOLDER_DURATION = "k8sensus.io/holder-lease-duration-seconds";

    /**
     * The annotation by which an operator asks the Lease's holder to step down (before node maintenance, say): {@code
     * true}, or the holder's name. The holder hands the group over as on a departure and clears it (empty) with its
     * release; a request left behind for an earlier holder (any other name) is not this term's, and the next
     * acquisition clears it.
     */
    public static final String STEP_DOWN = "k8sensus.io/step-down";

    /** Whether {@code lease} asks {@code identity}, its holder, to step down. */
    public static boolean stepDownAsked(Lease lease, String identity) {
        if (lease == null
                || lease.getSpec() == null
                || !identity.equals(lease.getSpec().getHolderIdentity())) {
            return false;
        }
        String value = stepDownValue(lease);
        return value != null && (value.equalsIgnoreCase("true") || value.equals(identity));
    }

    private static String stepDownValue(Lease lease) {
        String value = annotation(lease, STEP_DOWN);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** The value of the annotation {@code key} of {@code lease}, or null. */
    private static String annotation(Lease lease, String key) {
        Map<String, String> annotations = lease.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(key);
    }

    private static Lease withHolderDuration(Lease lease, Integer seconds) {
        if (seconds != null) {
            if (lease.getMetadata().getAnnotations() == null) {
                lease.getMetadata().setAnnotations(new LinkedHashMap<>());
            }
            lease.getMetadata().getAnnotations().put(HOLDER_DURATION, String.valueOf(seconds));
        }
        return lease;
    }

    private Lease newLease(LeaseSpec spec) {
        return new LeaseBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", "k8sensus")
                .endMetadata()
                .withSpec(spec)
                .build();
    }

    private static LeaseSpec spec(LeaseRecord r) {
        return spec(time(r.acquireTime()), r.holder(), seconds(r.leaseDurationMs()), r.epoch(), time(r.renewTime()));
    }

    private static LeaseSpec spec(
            ZonedDateTime acquired, String holder, Integer seconds, long epoch, ZonedDateTime renewed) {
        LeaseSpec spec = new LeaseSpec();
        spec.setAcquireTime(acquired);
        spec.setHolderIdentity(holder);
        spec.setLeaseDurationSeconds(seconds);
        spec.setLeaseTransitions((int) epoch);
        spec.setRenewTime(renewed);
        return spec;
    }

    /** The record the elector reads of a Lease (null for none); remembers the Lease for the next update. */
    public LeaseRecord record(Lease lease) {
        if (lease == null) {
            return null;
        }
        lastSeen = lease;
        LeaseSpec spec = lease.getSpec() == null ? new LeaseSpec() : lease.getSpec();
        Integer transitions = spec.getLeaseTransitions();
        Integer seconds = spec.getLeaseDurationSeconds();
        long durationMs = seconds == null ? 0 : seconds * 1000L;
        if (spec.getHolderIdentity() != null) {
            // never shorter than what the holder wrote when it took the Lease (a hand edit cannot shorten the wait)
            durationMs = Math.max(durationMs, holderDurationMs(lease));
        }
        return new LeaseRecord(
                spec.getHolderIdentity(),
                transitions == null ? 0 : transitions,
                text(spec.getAcquireTime()),
                text(spec.getRenewTime()),
                durationMs,
                lease.getMetadata().getResourceVersion());
    }

    private static long holderDurationMs(Lease lease) {
        String value = annotation(lease, HOLDER_DURATION);
        try {
            return value == null ? 0 : Math.max(0, Long.parseLong(value.strip())) * 1000L;
        } catch (NumberFormatException e) {
            return 0; // written by someone else: the spec alone counts
        }
    }

    private static String text(ZonedDateTime time) {
        return time == null ? null : time.toInstant().toString();
    }

    private static ZonedDateTime time(String text) {
        return text == null ? null : ZonedDateTime.parse(text);
    }

    private static Integer seconds(long ms) {
        return ms <= 0 ? null : (int) ((ms + 999) / 1000);
    }
}
