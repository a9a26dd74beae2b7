package io.k8sensus.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The runner marks' annotations, as written and as read back by every replica. */
class RunnerMarksTest {

    @Test
    void a_mark_names_the_run_of_the_group_and_says_what_its_replica_leads_only_when_told_to() {
        String quiet = RunnerMarks.value("mi7k2qzc.9az", "replica-a", OptionalInt.empty());
        String saying = RunnerMarks.value("mi7k2qzc.9az", "replica-b", OptionalInt.of(4));
        assertThat(quiet).isEqualTo("mi7k2qzc.9az");
        assertThat(saying).isEqualTo("mi7k2qzc.9az leads=4");
        Map<String, String> annotations = Map.of(
                RunnerMarks.key("replica-a"),
                quiet,
                RunnerMarks.key("replica-b"),
                saying,
                "kubectl.kubernetes.io/last-applied-configuration",
                "{}");
        assertThat(RunnerMarks.marks(annotations))
                .containsExactlyInAnyOrderEntriesOf(Map.of("replica-a", "mi7k2qzc.9az", "replica-b", "mi7k2qzc.9az"));
        assertThat(RunnerMarks.leads(annotations)).containsExactlyInAnyOrderEntriesOf(Map.of("replica-b", 4));
    }

    @Test
    void a_pod_name_too_long_for_an_annotation_key_is_cut_in_the_key_and_whole_in_the_value() {
        String pod = "orders-" + "x".repeat(70) + "-7d9f8b6c5-abcde";
        String key = RunnerMarks.key(pod);
        assertThat(key.substring(RunnerMarks.PREFIX.length())).hasSizeLessThanOrEqualTo(63);
        assertThat(RunnerMarks.key(pod + "z"))
                .as("another long name, another key")
                .isNotEqualTo(key);
        Map<String, String> annotations = Map.of(key, RunnerMarks.value("m1", pod, OptionalInt.of(2)));
        assertThat(RunnerMarks.marks(annotations)).containsExactly(Map.entry(pod, "m1"));
        assertThat(RunnerMarks.leads(annotations)).containsExactly(Map.entry(pod, 2));
    }
}
