package io.k8sensus.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The SQL recipe (examples/sql) on 3 replicas of the jar, with a real PostgreSQL: the recipe's files only, its
 * settings as environment variables, nothing in Java. A steady feed of jobs; the leader is killed (kill -9), stopped
 * (SIGTERM) and paused past its lease (SIGSTOP, then SIGCONT with claimed jobs in hand) while it works.
 */
class SqlRecipeIT {

    @Test
    void every_job_is_done_once_and_a_paused_leaders_late_results_are_refused_by_the_database() {
        SqlRecipeRun.Result result = SqlRecipeRun.run("sql-recipe-it", 300, 12, 1);
        JobTable.Outcome outcome = result.outcome();
        System.out.println("SQL recipe: " + outcome + ", failovers " + result.failovers());

        assertThat(outcome.items()).isEqualTo(300);
        assertThat(outcome.lost()).as("jobs with no result").isZero();
        assertThat(outcome.unfinished()).as("jobs not marked done").isZero();
        assertThat(outcome.doneTwice()).as("jobs with two results").isZero();
        assertThat(outcome.staleAccepted())
                .as("results of a term recorded after a newer term's")
                .isZero();
        assertThat(outcome.epochs()).as("terms that recorded results").isGreaterThanOrEqualTo(4);
        assertThat(result.pausedLeaderRefusals())
                .as("results a paused leader tried to record after it woke, refused as stale")
                .isPositive();
    }
}
