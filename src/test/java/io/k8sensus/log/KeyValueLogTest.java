package io.k8sensus.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

/** The key=value pairs of the election's lines, as the JSON layout gets them. */
class KeyValueLogTest {

    @Test
    void pairs_are_read_up_to_white_space_quotes_are_dropped_and_a_closing_colon_is_left_out() {
        assertThat(KeyValueLog.pairs(
                        "event=renew-failed group=jobs pod=replica-a epoch=3 reason=\"SocketTimeoutException:"
                                + " timeout\": retrying until the renew deadline in 1200 ms"))
                .containsExactly(
                        entry("event", "renew-failed"),
                        entry("group", "jobs"),
                        entry("pod", "replica-a"),
                        entry("epoch", "3"),
                        entry("reason", "SocketTimeoutException: timeout"));
        assertThat(KeyValueLog.pairs("event=renew-deadline group=g pod=p epoch=7: no successful renewal for 2000 ms"))
                .containsEntry("epoch", "7");
        assertThat(KeyValueLog.pairs("event=api-unreachable pod=x url=http://127.0.0.1:1 cause=\"ConnectException\""))
                .containsEntry("url", "http://127.0.0.1:1")
                .containsEntry("cause", "ConnectException");
    }

    @Test
    void a_line_without_pairs_has_none_and_a_key_is_taken_once() {
        assertThat(KeyValueLog.pairs("Leadership taken. Consumer started: timer://x (group g)"))
                .isEmpty();
        assertThat(KeyValueLog.pairs("event=a group=g event=b"))
                .containsExactly(entry("event", "a"), entry("group", "g"));
    }
}
