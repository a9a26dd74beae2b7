package io.k8sensus.kube;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.k8sensus.elector.Answer;
import io.k8sensus.elector.ElectionEvent;
import io.k8sensus.elector.Elector;
import io.k8sensus.elector.LeaseRecord;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lease as {@link KubeLeaseStore} writes it, against fabric8's mock API server in CRUD mode (real objects, 409 on
 * a stale resourceVersion), driven by the real elector on a fake clock.
 */
@EnableKubernetesMockClient(crud = true)
class KubeLeaseStoreTest {

    private static final String NAMESPACE = "k8sensus";
    private static final String NAME = "k8sensus-heartbeat";
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    KubernetesClient client;

    private KubeLeaseStore store;
    private Elector elector;
    private final List<ElectionEvent> events = new ArrayList<>();
    private long nowMs = 1_000_000;

    @BeforeEach
    void leader() {
        store = new KubeLeaseStore(client, new ApiConnectivityLog("replica-a"), NAMESPACE, NAME);
        elector = new Elector("replica-a", new Timings(6000, 4000, 2000, 1.2), () -> 0.0, events::add);
        elector.watching(true);
        elector.candidates(Set.of("replica-a", "replica-b"), now());
        elector.observe(null, now());
        assertThat(perform(elector.step(now()))).isInstanceOf(LeaseRequest.Create.class);
        assertThat(elector.leads()).isTrue();
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(6);
    }

    @Test
    void after_a_hand_edit_of_the_lease_duration_the_next_renewal_writes_the_leaders_own_back() {
        LeaseSpec before = lease().getSpec();
        handEdit(1);
        nowMs += 2000;
        LeaseRequest renew = perform(elector.step(now()));
        assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);
        // the renewal named the version before the edit: refused, read, and renewed from the edited version
        assertThat(perform(elector.step(now()))).isInstanceOf(LeaseRequest.Read.class);
        assertThat(perform(elector.step(now()))).isInstanceOf(LeaseRequest.Renew.class);

        assertThat(elector.leads()).as("an edit of the duration does not end the term").isTrue();
        assertThat(events).noneMatch(e -> e instanceof ElectionEvent.LostLease);
        LeaseSpec after = lease().getSpec();
        assertThat(after.getLeaseDurationSeconds()).as("written back").isEqualTo(6);
        assertThat(after.getHolderIdentity()).isEqualTo("replica-a");
        assertThat(after.getLeaseTransitions()).isEqualTo(before.getLeaseTransitions());
        assertThat(after.getAcquireTime().toInstant()).isEqualTo(before.getAcquireTime().toInstant());
        assertThat(after.getRenewTime()).isNotNull();
    }

    @Test
    void a_renewal_writes_the_whole_record_of_its_term_and_only_on_the_version_it_names() {
        LeaseRecord created = store.record(lease());
        handEdit(3600);
        LeaseRecord edited = ((Answer.Ok) store.perform(new LeaseRequest.Read())).lease();
        assertThat(edited.leaseDurationMs()).isEqualTo(3_600_000);

        LeaseRecord own = new LeaseRecord(created.holder(), created.epoch(), created.acquireTime(), created.renewTime(),
                6000, created.version());
        assertThat(store.perform(new LeaseRequest.Renew(own))).as("a stale version is refused")
                .isInstanceOf(Answer.Conflict.class);
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(3600);

        Answer renewed = store.perform(new LeaseRequest.Renew(own.withVersion(edited.version())));
        assertThat(renewed).isInstanceOf(Answer.Ok.class);
        LeaseRecord written = ((Answer.Ok) renewed).lease();
        assertThat(written.sameTerm(created)).isTrue();
        assertThat(written.leaseDurationMs()).isEqualTo(6000);
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(6);
    }

    /** kubectl edit lease: a whole-object update that changes spec.leaseDurationSeconds and bumps the version. */
    private void handEdit(int seconds) {
        Lease lease = lease();
        String version = lease.getMetadata().getResourceVersion();
        lease.getSpec().setLeaseDurationSeconds(seconds);
        client.leases().inNamespace(NAMESPACE).resource(lease).update();
        assertThat(lease().getMetadata().getResourceVersion()).isNotEqualTo(version);
    }

    private Lease lease() {
        return client.leases().inNamespace(NAMESPACE).withName(NAME).get();
    }

    /** Makes the elector's request with the store and hands the answer back. */
    private LeaseRequest perform(LeaseRequest request) {
        assertThat(request).isNotNull();
        Answer answer = store.perform(request);
        nowMs += 10;
        elector.answered(request, answer, now());
        return request;
    }

    private long now() {
        return nowMs * MS;
    }
}
