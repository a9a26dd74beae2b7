package io.k8sensus.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

/**
 * The SQL recipe when its database is not there: down when the replicas start, then restarted while the leader
 * works. The leader says so in one line per outage (no stack trace per poll), works again when the database is
 * back, and no job is lost or done twice.
 */
class SqlRecipeOutageIT {

    private static final int JOBS = 150;

    @Test
    void a_database_down_at_start_up_and_restarted_while_the_leader_works_costs_one_line_each_and_no_job() {
        try (PostgresServer postgres = new PostgresServer();
                JobTable jobs = new JobTable(postgres);
                RecipeCluster cluster = new RecipeCluster(
                        "sql-outage-it", JobTable.GROUP, JobTable.RECIPE, JobTable.environment(postgres), List.of())) {
            cluster.start(2);
            cluster.awaitGroupsSpread(); // the leader below keeps its group: none moves for balance later

            // the database is down: the leader's polls fail, and it says so once
            await("a leader").until(() -> cluster.leader() != null);
            String leader = cluster.leader();
            await("the leader reporting the database down")
                    .until(() -> !cluster.lines(leader, "event=route-failing route=sql-jobs")
                            .isEmpty());
            assertThat(cluster.lines(leader, "event=route-failing route=sql-jobs")
                            .get(0)
                            .text())
                    .contains("Connection to 127.0.0.1:" + postgres.port() + " refused");

            postgres.start();
            jobs.createSchema();
            jobs.feed(JOBS, 15);
            await("the leader reporting the route working again")
                    .until(() -> !cluster.lines(leader, "event=route-recovered route=sql-jobs")
                            .isEmpty());
            await("jobs done after the start-up outage").until(() -> jobs.done() >= 30);

            // the database goes away while the leader works, and comes back
            postgres.stop();
            cluster.note("PostgreSQL stopped (fast shutdown)");
            await("the leader reporting the second outage")
                    .until(() -> cluster.lines(leader, "event=route-failing route=sql-jobs")
                                    .size()
                            == 2);
            postgres.start();
            cluster.note("PostgreSQL started again");
            await("every job done")
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> jobs.inserted() == JOBS && jobs.done() == JOBS);

            assertThat(cluster.leader())
                    .as("the leader kept its term through both outages")
                    .isEqualTo(leader);
            assertThat(cluster.lines(leader, "event=route-failing route=sql-jobs"))
                    .as("one line per outage")
                    .hasSize(2);
            assertThat(cluster.lines(leader, "event=route-recovered route=sql-jobs"))
                    .hasSize(2);
            assertThat(cluster.lines().stream().filter(l -> l.text().startsWith("\tat ")))
                    .as("stack trace lines in the replicas' output")
                    .isEmpty();
            JobTable.Outcome outcome = jobs.outcome();
            System.out.println("SQL recipe with outages: " + outcome);
            assertThat(outcome.items()).isEqualTo(JOBS);
            assertThat(outcome.lost()).isZero();
            assertThat(outcome.unfinished()).isZero();
            assertThat(outcome.doneTwice()).isZero();
        }
    }

    private static ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(RecipeCluster.takeoverBound()).pollInterval(Duration.ofMillis(50));
    }
}
