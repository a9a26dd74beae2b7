package io.k8sensus.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The JMS recipe (examples/jms) on 3 replicas of the jar, with a real Artemis broker: the recipe's files only, its
 * settings as environment variables. A steady feed of items, one in ten sent twice; the leader is killed (kill -9),
 * stopped (SIGTERM) and paused past its lease (SIGSTOP, then SIGCONT) while it works.
 */
class JmsRecipeIT {

    @Test
    void every_item_gets_one_result_and_the_broker_refuses_the_duplicates() {
        JmsRecipeRun.Result result = JmsRecipeRun.run("jms-recipe-it", 300, 12, 1);
        WorkQueue.Outcome outcome = result.outcome();
        System.out.println("JMS recipe: " + outcome + ", failovers " + result.failovers());

        assertThat(outcome.lost()).as("items with no result").isZero();
        assertThat(outcome.doneTwice()).as("items with two results").isZero();
        assertThat(outcome.duplicatesRefused())
                .as("duplicate results the broker refused")
                .isGreaterThanOrEqualTo(outcome.resent());
        assertThat(outcome.epochs()).as("terms that sent results").isGreaterThanOrEqualTo(4);
    }
}
