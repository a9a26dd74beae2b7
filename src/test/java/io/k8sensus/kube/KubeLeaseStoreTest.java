package io.k8sensus.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.k8sensus.elector.Answer;
import io.k8sensus.elector.ElectionEvent;
import io.k8sensus.elector.Elector;
import io.k8sensus.elector.LeaseRecord;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Lease as {@link KubeLeaseStore} writes it, against the embedded API (fabric8's mock server in CRUD mode, real
 * objects, 409 on a stale resourceVersion, 422 on a JSON Patch whose test fails), driven by the real elector on a fake
 * clock. The store's client talks to the replicas' port, whose requests are recorded; the test's own writes (a hand
 * edit, another holder) go through the other port.
 */
class KubeLeaseStoreTest {

    private static final String NAMESPACE = EmbeddedKubernetesApi.NAMESPACE;
    private static final String NAME = "k8sensus-heartbeat";
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private KubernetesClient client;
    private KubeLeaseStore store;
    private Elector elector;
    private final List<ElectionEvent> events = new ArrayList<>();
    private long nowMs = 1_000_000;

    @BeforeEach
    void leader() throws InterruptedException {
        Config config = new ConfigBuilder()
                .withMasterUrl(api.url())
                .withNamespace(NAMESPACE)
                .withRequestTimeout(5000)
                .withRequestRetryBackoffLimit(0)
                .build();
        client = new KubernetesClientBuilder().withConfig(config).build();
        store = new KubeLeaseStore(client, new ApiConnectivityLog("replica-a"), NAMESPACE, NAME);
        elector = new Elector("replica-a", new Timings(6000, 4000, 2000, 1.2), () -> 0.0, events::add);
        elector.onWatch(true);
        elector.onCandidates(Set.of("replica-a", "replica-b"), now());
        elector.onLease(null, now());
        assertThat(perform(elector.step(now()))).isInstanceOf(LeaseRequest.Create.class);
        assertThat(elector.leads()).isTrue();
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(6);
        api.takeReplicaRequests();
    }

    @AfterEach
    void close() {
        client.close();
        api.close();
    }

    @Test
    void a_renewal_is_one_json_patch_conditioned_on_the_term_with_no_read_before_it() throws InterruptedException {
        nowMs += 2000;
        LeaseRequest renew = perform(elector.step(now()));
        assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);
        assertThat(elector.mayActUntil()).isEqualTo((nowMs - 10 + 4000) * MS);
        assertThat(api.takeReplicaRequests())
                .containsExactly("PATCH /apis/coordination.k8s.io/v1/namespaces/" + NAMESPACE + "/leases/" + NAME);
    }

    @Test
    void after_a_hand_edit_of_the_lease_duration_the_next_renewal_lands_and_writes_the_leaders_own_back() {
        LeaseSpec before = lease().getSpec();
        handEdit(1);
        nowMs += 2000;
        LeaseRequest renew = perform(elector.step(now()));
        assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);

        assertThat(elector.leads())
                .as("an edit of the duration does not end the term")
                .isTrue();
        assertThat(elector.mayAct(now())).isTrue();
        assertThat(events).isEmpty();
        LeaseSpec after = lease().getSpec();
        assertThat(after.getLeaseDurationSeconds()).as("written back").isEqualTo(6);
        assertThat(after.getHolderIdentity()).isEqualTo("replica-a");
        assertThat(after.getLeaseTransitions()).isEqualTo(before.getLeaseTransitions());
        assertThat(after.getAcquireTime().toInstant())
                .isEqualTo(before.getAcquireTime().toInstant());
        assertThat(after.getRenewTime()).isAfter(before.getRenewTime());
    }

    @Test
    void a_replica_that_first_sees_the_lease_after_a_hand_edit_shortened_it_still_reads_the_holders_own_duration() {
        handEdit(1);
        KubeLeaseStore newcomer = new KubeLeaseStore(client, new ApiConnectivityLog("replica-b"), NAMESPACE, NAME);
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(1);
        assertThat(newcomer.record(lease()).leaseDurationMs())
                .as("the holder's 6 s, kept when it took the Lease")
                .isEqualTo(6000);
        handEdit(60);
        assertThat(newcomer.record(lease()).leaseDurationMs())
                .as("a lengthening edit counts")
                .isEqualTo(60_000);
    }

    @Test
    void a_renewal_lands_on_its_term_whatever_version_it_was_decided_on_and_writes_the_whole_record() {
        LeaseRecord created = store.record(lease());
        handEdit(3600);
        LeaseRecord own = new LeaseRecord(
                created.holder(), created.epoch(), created.acquireTime(), created.renewTime(), 6000, created.version());
        Answer renewed = store.perform(new LeaseRequest.Renew(own));
        assertThat(renewed).as("a renewal does not wait for the version it saw").isInstanceOf(Answer.Ok.class);
        LeaseRecord written = ((Answer.Ok) renewed).lease();
        assertThat(written.sameTerm(created)).isTrue();
        assertThat(written.leaseDurationMs()).isEqualTo(6000);
        assertThat(written.renewTime()).isNotEqualTo(created.renewTime());
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(6);
    }

    @Test
    void two_renewals_in_the_same_instant_write_two_renew_times() {
        LeaseRecord own = store.record(lease());
        LeaseRecord first = ((Answer.Ok) store.perform(new LeaseRequest.Renew(own))).lease();
        LeaseRecord second = ((Answer.Ok) store.perform(new LeaseRequest.Renew(own))).lease();
        assertThat(second.renewTime()).isNotEqualTo(first.renewTime());
        assertThat(Instant.parse(second.renewTime())).isAfter(Instant.parse(first.renewTime()));
    }

    @Test
    void a_renewal_of_a_term_the_lease_no_longer_holds_is_refused_as_term_lost_and_writes_nothing() {
        LeaseRecord own = store.record(lease());
        // another holder; another epoch under the same holder; another acquisition under the same holder and epoch
        for (Consumer<LeaseSpec> otherTerm : List.<Consumer<LeaseSpec>>of(
                spec -> spec.setHolderIdentity("replica-b"),
                spec -> spec.setLeaseTransitions(spec.getLeaseTransitions() + 1),
                spec -> spec.setAcquireTime(spec.getAcquireTime().plusNanos(1000)),
                spec -> spec.setHolderIdentity(null))) {
            Lease lease = lease();
            otherTerm.accept(lease.getSpec());
            Lease written =
                    api.client().leases().inNamespace(NAMESPACE).resource(lease).update();
            long started = System.nanoTime();
            assertThat(store.perform(new LeaseRequest.Renew(own))).isInstanceOf(Answer.TermLost.class);
            assertThat(System.nanoTime() - started)
                    .as("answered at once, not at the client's timeout")
                    .isLessThan(TimeUnit.SECONDS.toNanos(2));
            assertThat(lease()).as("nothing written").isEqualTo(written);
            lease = lease();
            lease.setSpec(new LeaseSpec(
                    time(own.acquireTime()),
                    own.holder(),
                    6,
                    (int) own.epoch(),
                    null,
                    time(own.renewTime()),
                    null)); // the term back, for the next case
            api.client().leases().inNamespace(NAMESPACE).resource(lease).update();
        }
    }

    @Test
    void a_release_lands_on_its_term_after_a_write_of_the_metadata_alone_and_is_refused_on_any_other_term() {
        LeaseRecord own = store.record(lease());
        // another replica's runner mark: a JSON merge patch of the metadata, a new resourceVersion, the spec unchanged
        api.client()
                .leases()
                .inNamespace(NAMESPACE)
                .withName(NAME)
                .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"runner.k8sensus.io/replica-b\":\"mi7k2qzc.1\"}}}");
        assertThat(lease().getMetadata().getResourceVersion()).isNotEqualTo(own.version());
        Answer released = store.perform(new LeaseRequest.Release(own));
        assertThat(released).as("before, a 409: the Lease was left to expire").isInstanceOf(Answer.Ok.class);
        LeaseSpec spec = lease().getSpec();
        assertThat(spec.getHolderIdentity()).isNull();
        assertThat(spec.getLeaseTransitions()).as("the epoch stays").isEqualTo((int) own.epoch());
        assertThat(spec.getAcquireTime()).isNull();
        assertThat(spec.getRenewTime()).isNull();
        assertThat(lease().getMetadata().getAnnotations()).containsKey("runner.k8sensus.io/replica-b");

        Lease other = lease();
        other.setSpec(new LeaseSpec(
                time(own.acquireTime()), "replica-b", 6, (int) own.epoch() + 1, null, time(own.renewTime()), null));
        Lease written =
                api.client().leases().inNamespace(NAMESPACE).resource(other).update();
        assertThat(store.perform(new LeaseRequest.Release(own))).isInstanceOf(Answer.TermLost.class);
        assertThat(lease()).as("another term's Lease: nothing written").isEqualTo(written);
    }

    @Test
    void the_elector_stops_at_once_when_its_renewal_is_refused_and_reads_who_holds_the_lease() {
        Lease lease = lease();
        lease.getSpec().setHolderIdentity("replica-b");
        lease.getSpec().setLeaseTransitions(lease.getSpec().getLeaseTransitions() + 1);
        api.client().leases().inNamespace(NAMESPACE).resource(lease).update();
        nowMs += 2000;
        perform(elector.step(now()));
        assertThat(elector.mayAct(now())).isFalse();
        assertThat(events).contains(new ElectionEvent.RenewRefused(0));
        assertThat(perform(elector.step(now()))).isInstanceOf(LeaseRequest.Read.class);
        assertThat(elector.leader()).isEqualTo("replica-b");
    }

    @Test
    void a_renewal_of_a_deleted_lease_is_not_found() {
        LeaseRecord own = store.record(lease());
        api.client().leases().inNamespace(NAMESPACE).withName(NAME).delete();
        assertThat(store.perform(new LeaseRequest.Renew(own))).isInstanceOf(Answer.NotFound.class);
    }

    private static ZonedDateTime time(String text) {
        return text == null ? null : ZonedDateTime.parse(text);
    }

    /** kubectl edit lease: a whole-object update that changes spec.leaseDurationSeconds and bumps the version. */
    private void handEdit(int seconds) {
        Lease lease = lease();
        String version = lease.getMetadata().getResourceVersion();
        lease.getSpec().setLeaseDurationSeconds(seconds);
        api.client().leases().inNamespace(NAMESPACE).resource(lease).update();
        assertThat(lease().getMetadata().getResourceVersion()).isNotEqualTo(version);
    }

    private Lease lease() {
        return api.client().leases().inNamespace(NAMESPACE).withName(NAME).get();
    }

    /** Makes the elector's request with the store and hands the answer back. */
    private LeaseRequest perform(LeaseRequest request) {
        assertThat(request).isNotNull();
        Answer answer = store.perform(request);
        nowMs += 10;
        elector.onAnswer(request, answer, now());
        return request;
    }

    private long now() {
        return nowMs * MS;
    }
}
