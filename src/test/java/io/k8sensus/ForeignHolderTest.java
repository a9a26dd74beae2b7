package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A replica whose Lease another application holds and renews (the same Lease name, or candidate labels that miss the
 * holder's Pod) says so once per term of that holder, instead of waiting in silence.
 */
class ForeignHolderTest {

    private static final String LEASE = "k8sensus-heartbeat";
    private static final ZonedDateTime ACQUIRED = ZonedDateTime.now(ZoneOffset.UTC);

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();

    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopApi() {
        renewer.shutdownNow();
        api.close();
    }

    @Test
    void a_lease_renewed_by_a_name_that_is_not_a_candidate_is_said_once_per_term_and_never_taken() throws Exception {
        renewAsOtherApplication(3); // before the replica starts, as another application that got there first
        api.addReadyPod("replica-a");
        try (LogCapture log = LogCapture.of("k8sensus.election");
                Replica replica = Replica.start("replica-a", api, new FiringHistory(), Map.of())) {
            AtomicInteger renewals = new AtomicInteger();
            renewer.scheduleAtFixedRate(
                    () -> {
                        try {
                            renewAsOtherApplication(3);
                            renewals.incrementAndGet();
                        } catch (KubernetesClientException e) {
                            // a write that lost to the replica's runner mark (409) or timed out on busy cores: the
                            // other application renews again at its next period, as it would. Thrown out of the
                            // task, it would end the schedule, and the Lease would expire for real
                        }
                    },
                    0,
                    500,
                    TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> foreignLines(log).size() == 1);
            // renewed for two of the replica's lease durations (3 s) more: still said once, never taken
            int seen = renewals.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> renewals.get() >= seen + 12);
            assertThat(foreignLines(log))
                    .singleElement()
                    .asString()
                    .contains("holder=other-app-0 epoch=3 lease=" + LEASE)
                    .contains("another application uses the same Lease name")
                    .contains("labels app.kubernetes.io/name=k8sensus");
            assertThat(api.holder(LEASE)).isEqualTo("other-app-0");
        }
    }

    private static List<String> foreignLines(LogCapture log) {
        return log.messages().stream()
                .filter(m -> m.startsWith("event=foreign-holder"))
                .toList();
    }

    /** Writes the Lease as a renewal of another application's term of epoch {@code epoch} would. */
    private void renewAsOtherApplication(int epoch) {
        api.client()
                .leases()
                .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                .resource(new LeaseBuilder()
                        .withNewMetadata()
                        .withName(LEASE)
                        .endMetadata()
                        .withNewSpec()
                        .withHolderIdentity("other-app-0")
                        .withLeaseTransitions(epoch)
                        .withLeaseDurationSeconds(3)
                        .withAcquireTime(ACQUIRED)
                        .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC))
                        .endSpec()
                        .build())
                .createOr(NonDeletingOperation::update);
    }
}
