package io.k8sensus.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import io.k8sensus.testing.LogCapture;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** What an operator reads when the API server stops and starts answering: one line each way. */
class ApiConnectivityLogTest {

    private static final HttpRequest GET_LEASE = new StandardHttpRequest.Builder()
            .uri("http://10.0.0.1:6443/apis/coordination.k8s.io/v1/namespaces/k8sensus/leases/k8sensus-heartbeat")
            .build();

    @Test
    void a_follower_that_only_watches_hears_back_from_the_api_through_its_watch() {
        ApiConnectivityLog log = new ApiConnectivityLog("replica-b");
        try (LogCapture api = LogCapture.of("k8sensus.api")) {
            log.afterConnectionFailure(GET_LEASE, new ConnectException("Connection refused"));
            log.afterConnectionFailure(GET_LEASE, new ConnectException("Connection refused"));
            // no request completes after that: the follower only watches, and its watch delivers a renewal
            log.answered();
            log.answered();

            assertThat(api.messages())
                    .containsExactly(
                            "event=api-unreachable pod=replica-b url=http://10.0.0.1:6443 cause=\"ConnectException: Connection"
                                    + " refused\": retrying; a leader acts until its renew deadline",
                            "event=api-reachable pod=replica-b url=http://10.0.0.1:6443");
        }
    }

    @Test
    void a_watch_event_says_nothing_while_the_api_answers() {
        ApiConnectivityLog log = new ApiConnectivityLog("replica-b");
        try (LogCapture api = LogCapture.of("k8sensus.api")) {
            log.answered();
            assertThat(api.messages()).isEmpty();
        }
    }
}
