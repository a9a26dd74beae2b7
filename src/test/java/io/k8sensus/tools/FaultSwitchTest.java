package io.k8sensus.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The slow API of the chaos suite: applied at once, answered late, watch events late too. */
class FaultSwitchTest {

    private static final long DELAY_MS = 700;

    @Test
    void a_slow_api_applies_at_once_and_answers_and_delivers_watch_events_late() throws Exception {
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            EmbeddedKubernetesApi.FaultyConnection connection = api.faultyConnection();
            try (KubernetesClient client = new KubernetesClientBuilder()
                    .withConfig(new ConfigBuilder()
                            .withMasterUrl(connection.url())
                            .withNamespace(EmbeddedKubernetesApi.NAMESPACE)
                            .withRequestTimeout(10_000)
                            .build())
                    .build()) {
                BlockingQueue<Long> events = new LinkedBlockingQueue<>();
                // opened before the switch, as the replicas' watches are
                try (Watch watch = client.leases().withName("l").watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Lease lease) {
                        events.add(System.nanoTime());
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                })) {
                    connection.faults().slow(DELAY_MS);

                    long start = System.nanoTime();
                    client.leases()
                            .resource(new LeaseBuilder()
                                    .withNewMetadata()
                                    .withName("l")
                                    .endMetadata()
                                    .withNewSpec()
                                    .withHolderIdentity("a")
                                    .endSpec()
                                    .build())
                            .create();
                    long answered = System.nanoTime();
                    assertThat(Duration.ofNanos(answered - start))
                            .as("the create's answer")
                            .isGreaterThanOrEqualTo(Duration.ofMillis(DELAY_MS));
                    Long event = events.poll(5, TimeUnit.SECONDS);
                    assertThat(event).as("the watch event").isNotNull();
                    assertThat(Duration.ofNanos(event - start)).isGreaterThanOrEqualTo(Duration.ofMillis(DELAY_MS));

                    // applied at once: the admin's own port sees the update well before its slow answer comes
                    Thread update =
                            new Thread(() -> client.leases().withName("l").edit(l -> {
                                l.getSpec().setHolderIdentity("b");
                                return l;
                            }));
                    update.start();
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(5))
                            .pollInterval(Duration.ofMillis(10))
                            .until(() -> "b".equals(api.holder("l")));
                    long applied = System.nanoTime();
                    update.join(10_000);
                    assertThat(Duration.ofNanos(System.nanoTime() - applied))
                            .as("answered after applied")
                            .isGreaterThanOrEqualTo(Duration.ofMillis(DELAY_MS / 2));
                    assertThat(events.poll(5, TimeUnit.SECONDS))
                            .as("the update's event")
                            .isNotNull();

                    connection.faults().set(FaultSwitch.Mode.NORMAL);
                    long normal = System.nanoTime();
                    api.client()
                            .leases()
                            .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                            .withName("l")
                            .edit(l -> {
                                l.getSpec().setHolderIdentity("c");
                                return l;
                            });
                    Long prompt = events.poll(5, TimeUnit.SECONDS);
                    assertThat(prompt).isNotNull();
                    assertThat(Duration.ofNanos(prompt - normal))
                            .as("back to normal: at once")
                            .isLessThan(Duration.ofMillis(DELAY_MS));
                }
            }
        }
    }
}
