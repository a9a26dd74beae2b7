package io.k8sensus.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.FaultSwitch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The candidate Pods as the groups' loops read them: a watch that is up but silent is checked against a list within
 * the bound, and a watch that is down costs one list per retry period, whatever the number of calls. Time is a fake
 * clock that the test moves; the API is the embedded one.
 */
class CandidatePodsTest {

    private static final String NS = EmbeddedKubernetesApi.NAMESPACE;
    private static final long RETRY_MS = 2_000;
    private static final long CHECK_MS = 15_000;

    private final AtomicLong now = new AtomicLong();

    private static KubernetesClient client(String url) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(url)
                        .withNamespace(NS)
                        .withRequestTimeout(5_000)
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build();
    }

    private CandidatePods pods(KubernetesClient watchClient, KubernetesClient client) {
        return new CandidatePods(
                watchClient,
                client,
                NS,
                EmbeddedKubernetesApi.CANDIDATE_LABELS,
                "replica-a",
                new ApiConnectivityLog("replica-a"),
                now::get,
                RETRY_MS,
                CHECK_MS);
    }

    private void advance(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /** The lists of Pods among the requests made through {@code connection} since the last call (watches left out). */
    private static List<String> podLists(EmbeddedKubernetesApi.FaultyConnection connection)
            throws InterruptedException {
        return connection.takeRequests().stream()
                .filter(r -> r.startsWith("GET /api/v1/namespaces/" + NS + "/pods") && !r.contains("watch=true"))
                .toList();
    }

    @Test
    void a_watch_that_is_up_but_silent_is_checked_against_a_list_within_the_bound() throws Exception {
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                LogCapture watchLog = LogCapture.of("k8sensus.watch")) {
            EmbeddedKubernetesApi.FaultyConnection connection = api.faultyConnection();
            api.addReadyPod("replica-a");
            api.addReadyPod("replica-b");
            try (KubernetesClient client = client(connection.url());
                    CandidatePods pods = pods(client, client)) {
                pods.start();
                await().atMost(Duration.ofSeconds(10)).until(pods::watching);
                assertThat(pods.names()).containsExactlyInAnyOrder("replica-a", "replica-b");

                connection.faults().set(FaultSwitch.Mode.SILENT_WATCHES);
                api.setPodReady("replica-a", false);
                assertThat(pods.watching()).as("the silent watch looks up").isTrue();
                advance(CHECK_MS - 1);
                assertThat(pods.names())
                        .as("within the bound: the watch's view")
                        .contains("replica-a");
                assertThat(watchLog.messages()).isEmpty();

                advance(1);
                assertThat(pods.names()).as("at the bound: the list wins").containsExactly("replica-b");
                assertThat(watchLog.messages())
                        .singleElement()
                        .satisfies(
                                m -> assertThat(m)
                                        .startsWith(
                                                "event=pod-watch-stale pod=replica-a watched=\"replica-a,replica-b\" listed=\"replica-b\""));

                // the watch starts over with a fresh list, and what it says agrees with the API again
                connection.faults().set(FaultSwitch.Mode.NORMAL);
                await().atMost(Duration.ofSeconds(10)).until(pods::watching);
                api.setPodReady("replica-a", true);
                await().atMost(Duration.ofSeconds(10)).until(() -> pods.names().size() == 2);
                assertThat(watchLog.messages()).hasSize(1);
            }
        }
    }

    @Test
    void a_watch_that_is_down_costs_one_list_per_retry_period_whatever_the_calls() throws Exception {
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            EmbeddedKubernetesApi.FaultyConnection connection = api.faultyConnection();
            api.addReadyPod("replica-a");
            // the watch's client points where nothing answers: the watch never comes up
            try (KubernetesClient watchClient = client("http://127.0.0.1:" + EmbeddedKubernetesApi.freePort());
                    KubernetesClient client = client(connection.url());
                    CandidatePods pods = pods(watchClient, client)) {
                pods.start();
                for (int i = 0; i < 100; i++) { // several groups, each turning every 50 ms during a handover
                    assertThat(pods.names()).containsExactly("replica-a");
                    advance(10);
                }
                assertThat(podLists(connection)).hasSize(1);

                api.setPodReady("replica-a", false);
                advance(RETRY_MS - 1001);
                assertThat(pods.names())
                        .as("listed less than a retry period ago")
                        .containsExactly("replica-a");
                assertThat(podLists(connection)).isEmpty();
                advance(1);
                assertThat(pods.names()).as("never older than a retry period").isEmpty();
                assertThat(pods.whyNot("replica-a")).isEqualTo("Pod replica-a is not Ready");
                assertThat(podLists(connection)).hasSize(1);
            }
        }
    }

    @Test
    void a_failed_list_is_not_repeated_within_a_retry_period() throws Exception {
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            EmbeddedKubernetesApi.FaultyConnection connection = api.faultyConnection();
            api.addReadyPod("replica-a");
            try (KubernetesClient watchClient = client("http://127.0.0.1:" + EmbeddedKubernetesApi.freePort());
                    KubernetesClient client = client(connection.url());
                    CandidatePods pods = pods(watchClient, client)) {
                pods.start();
                connection.faults().set(FaultSwitch.Mode.FAIL_500);
                for (int i = 0; i < 20; i++) {
                    assertThatThrownBy(pods::names)
                            .as("no cached answer stands in for a failed list")
                            .isInstanceOf(RuntimeException.class);
                    advance(50);
                }
                assertThat(podLists(connection)).hasSize(1);

                connection.faults().set(FaultSwitch.Mode.NORMAL);
                advance(RETRY_MS);
                assertThat(pods.names()).containsExactly("replica-a");
                assertThat(podLists(connection)).hasSize(1);
            }
        }
    }
}
