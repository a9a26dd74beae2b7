package io.k8sensus.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The file recipe (examples/file) on 3 replicas of the jar sharing one directory: the recipe's files only, its
 * setting (the directory) as an environment variable. A steady drop of files, one in twenty rejected by the work; the
 * leader is killed (kill -9), stopped (SIGTERM) and paused past its lease (SIGSTOP, then SIGCONT) while it works.
 */
class FileRecipeIT {

    @Test
    void every_file_is_handled_once_and_moved_to_done_or_failed_and_nothing_is_left_behind() {
        FileRecipeRun.Result result = FileRecipeRun.run("file-recipe-it", 300, 12, 1);
        FileRecipeRun.Outcome outcome = result.outcome();
        System.out.println("file recipe: " + outcome + ", failovers " + result.failovers());

        assertThat(outcome.lost()).as("good files with no result").isZero();
        assertThat(outcome.doneTwice())
                .as("files whose result was written twice")
                .isZero();
        assertThat(outcome.wronglyPlaced()).as("files in the wrong place").isEmpty();
        assertThat(outcome.failed()).as("rejected files in failed/").isEqualTo(outcome.rejected());
        assertThat(outcome.results()).isEqualTo(outcome.files() - outcome.rejected());
        assertThat(outcome.leftBehind()).as("files left behind").isEmpty();
    }
}
