package io.k8sensus.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What make mutation prints, read from a report as PIT 1.30 writes mutations.xml. */
class MutationReportTest {

    private static String mutation(
            String detected, String status, String method, int line, String mutator, String description) {
        return "<mutation detected='" + detected + "' status='" + status + "' numberOfTestsRun='3'>"
                + "<sourceFile>Elector.java</sourceFile><mutatedClass>io.k8sensus.elector.Elector</mutatedClass>"
                + "<mutatedMethod>" + method + "</mutatedMethod><methodDescription>(J)V</methodDescription>"
                + "<lineNumber>" + line + "</lineNumber>"
                + "<mutator>org.pitest.mutationtest.engine.gregor.mutators." + mutator + "</mutator>"
                + "<indexes><index>5</index></indexes><blocks><block>0</block></blocks><killingTest/>"
                + "<description>" + description + "</description></mutation>\n";
    }

    @Test
    void it_lists_every_mutant_no_test_detected_and_ends_with_the_score_counting_time_outs_as_killed(@TempDir Path dir)
            throws Exception {
        Path xml = dir.resolve("mutations.xml");
        Files.writeString(
                xml,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mutations partial=\"true\">\n"
                        + mutation(
                                "true", "KILLED", "step", 276, "VoidMethodCallMutator", "removed call to checkDeadline")
                        + mutation("true", "TIMED_OUT", "nextStepAt", 806, "MathMutator", "Replaced long addition")
                        + mutation(
                                "false",
                                "SURVIVED",
                                "renewedLanded",
                                588,
                                "ConditionalsBoundaryMutator",
                                "changed conditional boundary")
                        + mutation(
                                "false",
                                "NO_COVERAGE",
                                "endTerm",
                                638,
                                "RemoveConditionalMutator_ORDER_ELSE",
                                "removed conditional - replaced comparison check with false")
                        + "</mutations>\n");

        List<MutationReport.Mutant> mutants = MutationReport.read(xml);
        String report = MutationReport.describe(mutants);

        assertThat(mutants).hasSize(4);
        assertThat(report)
                .contains("  Elector.renewedLanded line 588, ConditionalsBoundaryMutator (SURVIVED): changed"
                        + " conditional boundary\n")
                .contains("  Elector.endTerm line 638, RemoveConditionalMutator_ORDER_ELSE (NO_COVERAGE): removed"
                        + " conditional")
                .doesNotContain("checkDeadline");
        assertThat(report.lines().reduce((first, second) -> second))
                .hasValue("elector mutation score: 50% (2 killed of 4)");
    }

    @Test
    void the_percentage_is_rounded_down_so_that_it_never_claims_more_than_was_killed() {
        MutationReport.Mutant killed =
                new MutationReport.Mutant("io.k8sensus.elector.Elector", "step", 1, "MathMutator", "", "KILLED", true);
        MutationReport.Mutant alive = new MutationReport.Mutant(
                "io.k8sensus.elector.Elector", "step", 1, "MathMutator", "", "SURVIVED", false);
        List<MutationReport.Mutant> nineOfTen = new ArrayList<>(Collections.nCopies(9, killed));
        nineOfTen.add(alive);
        nineOfTen.addAll(Collections.nCopies(9, killed)); // 18 of 19: 94.7 %
        assertThat(MutationReport.scoreLine(nineOfTen)).isEqualTo("elector mutation score: 94% (18 killed of 19)");
    }

    @Test
    void a_file_that_is_not_a_pit_report_is_refused_with_its_name(@TempDir Path dir) throws Exception {
        Path notXml = dir.resolve("mutations.xml");
        Files.writeString(notXml, "PIT did not finish");
        assertThatThrownBy(() -> MutationReport.read(notXml)).hasMessageContaining("mutations.xml");
    }
}
