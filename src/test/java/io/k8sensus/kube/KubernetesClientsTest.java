package io.k8sensus.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/** The election's JSON mapping reads every kind its watches deliver as that kind, without fabric8's class scan. */
class KubernetesClientsTest {

    private final KubernetesSerialization serialization = KubernetesClients.serialization();

    @Test
    void watch_events_of_a_lease_a_pod_and_an_error_are_read_as_those_kinds() {
        Lease lease = (Lease) event("""
                {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"k8sensus-heartbeat",
                 "resourceVersion":"7"},"spec":{"holderIdentity":"replica-1","leaseTransitions":3}}""");
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-1");
        assertThat(lease.getSpec().getLeaseTransitions()).isEqualTo(3);

        Pod pod = (Pod) event("""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"replica-2"},
                 "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""");
        assertThat(pod.getStatus().getConditions())
                .singleElement()
                .satisfies(c -> assertThat(c.getType()).isEqualTo("Ready"));

        // the error a watch gets when its resource version is too old: it must be a Status, or the watch would
        // take it for a resource and never list again
        Status gone = (Status) event("""
                {"apiVersion":"v1","kind":"Status","status":"Failure","reason":"Expired","code":410}""");
        assertThat(gone.getCode()).isEqualTo(410);
    }

    @Test
    void a_kind_the_election_does_not_read_still_arrives_as_a_generic_resource() {
        Object other = event("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"k8sensus"}}""");
        assertThat(other)
                .isInstanceOfSatisfying(
                        GenericKubernetesResource.class,
                        d -> assertThat(d.getMetadata().getName()).isEqualTo("k8sensus"));
    }

    private Object event(String object) {
        return serialization
                .unmarshal("{\"type\":\"MODIFIED\",\"object\":" + object + "}", WatchEvent.class)
                .getObject();
    }
}
