package io.k8sensus.wiring;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL recipe for {@code make run ARGS="--recipe sql"}: a PostgreSQL server, the recipe's schema, and jobs added
 * at a steady rate while the launcher's replicas run the recipe's routes; {@link #status()} is one line of what the
 * table says (jobs done, by whom lately, done twice, refused, waiting).
 */
public final class SqlRecipeDemo implements AutoCloseable {

    private final PostgresServer postgres = new PostgresServer();
    private final JobTable jobs = new JobTable(postgres);

    public Path routes() {
        return JobTable.RECIPE;
    }

    public String group() {
        return JobTable.GROUP;
    }

    public Map<String, String> environment() {
        return JobTable.environment(postgres);
    }

    public String start(double jobsPerSecond) {
        postgres.start();
        jobs.createSchema();
        jobs.feed(Integer.MAX_VALUE, jobsPerSecond);
        return "PostgreSQL on " + postgres.jdbcUrl() + "; " + jobsPerSecond + " jobs/s added to table jobs";
    }

    /** One line: jobs added and done, who did the last ones, done twice, refused, waiting. */
    public String status() {
        try {
            JobTable.Outcome o = jobs.outcome();
            return "jobs: " + o.items() + " added, " + o.done() + " done (" + recent() + "), " + o.doneTwice()
                    + " done twice, " + (o.refusedStale() + o.refusedDone()) + " results refused by the fence ("
                    + o.refusedStale() + " stale epoch), " + o.unfinished() + " waiting";
        } catch (RuntimeException e) {
            return "jobs: the database does not answer (" + e.getMessage() + ")";
        }
    }

    private String recent() {
        List<String> parts = new ArrayList<>();
        try (Connection c = postgres.connect();
                var s = c.createStatement();
                ResultSet rows = s.executeQuery(
                        "SELECT leader, epoch, count(*) FROM job_results WHERE recorded_at > clock_timestamp() - "
                                + "interval '5 seconds' GROUP BY leader, epoch ORDER BY epoch")) {
            while (rows.next()) {
                parts.add(rows.getLong(3) + " by " + rows.getString(1) + " epoch " + rows.getLong(2));
            }
        } catch (SQLException e) {
            return "?";
        }
        return parts.isEmpty() ? "none in the last 5 s" : "last 5 s: " + String.join(", ", parts);
    }

    @Override
    public void close() {
        jobs.close();
        postgres.close();
    }
}
