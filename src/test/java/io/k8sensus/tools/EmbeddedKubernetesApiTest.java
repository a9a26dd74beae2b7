package io.k8sensus.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded API answers a JSON Patch as kube-apiserver does: a failed {@code test} is 422 Invalid at once, with no
 * kind in the details, and nothing written (fabric8's mock alone never answers it); a patch whose tests pass is applied
 * whole.
 */
class EmbeddedKubernetesApiTest {

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();

    @AfterEach
    void close() {
        api.close();
    }

    private Lease create() {
        return api.client()
                .leases()
                .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                .resource(new LeaseBuilder()
                        .withNewMetadata()
                        .withName("l")
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity("a")
                        .withLeaseTransitions(3)
                        .withLeaseDurationSeconds(15)
                        .endSpec()
                        .build())
                .create();
    }

    private Lease patch(Lease lease, String json) {
        return api.client()
                .leases()
                .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                .resource(lease)
                .patch(PatchContext.of(PatchType.JSON), json);
    }

    @Test
    void a_json_patch_whose_test_fails_is_answered_422_invalid_at_once_and_writes_nothing() {
        Lease lease = create();
        long started = System.nanoTime();
        KubernetesClientException e = catchThrowableOfType(
                KubernetesClientException.class,
                () -> patch(
                        lease,
                        "[{\"op\":\"test\",\"path\":\"/spec/holderIdentity\",\"value\":\"b\"},"
                                + "{\"op\":\"add\",\"path\":\"/spec/leaseDurationSeconds\",\"value\":1}]"));
        assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(e.getCode()).isEqualTo(422);
        assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
        assertThat(e.getStatus().getDetails().getKind()).isNull();
        Lease now = api.lease("l");
        assertThat(now.getSpec().getLeaseDurationSeconds()).isEqualTo(15);
        assertThat(now.getMetadata().getResourceVersion())
                .isEqualTo(lease.getMetadata().getResourceVersion());
    }

    @Test
    void a_json_patch_whose_tests_pass_is_applied_whole() {
        Lease lease = create();
        Lease patched = patch(
                lease,
                "[{\"op\":\"test\",\"path\":\"/spec/holderIdentity\",\"value\":\"a\"},"
                        + "{\"op\":\"test\",\"path\":\"/spec/leaseTransitions\",\"value\":3},"
                        + "{\"op\":\"add\",\"path\":\"/spec/renewTime\",\"value\":\"2024-01-02T03:04:05.000006Z\"},"
                        + "{\"op\":\"add\",\"path\":\"/spec/leaseDurationSeconds\",\"value\":1}]");
        assertThat(patched.getSpec().getLeaseDurationSeconds()).isEqualTo(1);
        assertThat(api.lease("l").getSpec().getRenewTime()).isNotNull();
    }
}
