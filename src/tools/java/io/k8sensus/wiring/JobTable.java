package io.k8sensus.wiring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * The SQL recipe's job table seen from outside: the schema of examples/sql/schema.sql, a feeder that inserts jobs at
 * a steady rate (as the application that owns the table would), and what the table says afterwards.
 */
public final class JobTable implements AutoCloseable {

    public static final Path RECIPE = Path.of("examples", "sql");
    public static final String GROUP = "sql-jobs";

    private final PostgresServer postgres;
    private final AtomicInteger inserted = new AtomicInteger();
    private ScheduledExecutorService feeder;

    public JobTable(PostgresServer postgres) {
        this.postgres = postgres;
    }

    /** The recipe's settings as a Deployment passes them (environment variables, e.g. from a Secret). */
    public static Map<String, String> environment(PostgresServer postgres) {
        return Map.of(
                "JOBS_DB_URL",
                postgres.jdbcUrl(),
                "JOBS_DB_USERNAME",
                PostgresServer.USER,
                "JOBS_DB_PASSWORD",
                "",
                "JOBS_POLL_PERIOD_MS",
                "100",
                "JOBS_WORK_MS",
                "40",
                "JOBS_BATCH_SIZE",
                "10");
    }

    public void createSchema() {
        try {
            postgres.execute(Files.readString(RECIPE.resolve("schema.sql")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Inserts {@code items} jobs, {@code perSecond} a second; an insert the database refuses is tried again. */
    public void feed(int items, double perSecond) {
        feeder = Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", "job-feeder", true));
        long periodMicros = (long) (1_000_000 / perSecond);
        feeder.scheduleAtFixedRate(
                () -> {
                    if (inserted.get() >= items) {
                        feeder.shutdown();
                        return;
                    }
                    try (Connection c = postgres.connect();
                            PreparedStatement insert = c.prepareStatement("INSERT INTO jobs (payload) VALUES (?)")) {
                        insert.setString(1, "job " + (inserted.get() + 1));
                        insert.executeUpdate();
                        inserted.incrementAndGet();
                    } catch (SQLException e) {
                        // the database is down: the next tick tries again
                    }
                },
                0,
                periodMicros,
                TimeUnit.MICROSECONDS);
    }

    public int inserted() {
        return inserted.get();
    }

    /** Jobs with at least one result. */
    public long done() {
        return number("SELECT count(DISTINCT job_id) FROM job_results");
    }

    /** Results recorded with an epoch above {@code epoch}. */
    public long doneAbove(long epoch) {
        return number("SELECT count(*) FROM job_results WHERE epoch > " + epoch);
    }

    /** Jobs claimed and not yet recorded by {@code leader}. */
    public long claimedBy(String leader) {
        return number("SELECT count(*) FROM jobs WHERE status = 'claimed' AND claimed_by = '" + leader + "'");
    }

    /** The highest epoch that has recorded a result, or -1. */
    public long highestEpoch() {
        return number("SELECT coalesce(max(epoch), -1) FROM job_results");
    }

    public long refusals(String reason) {
        return number("SELECT count(*) FROM job_refusals WHERE reason = '" + reason + "'");
    }

    /** What the table says: every figure of the recipe's check. */
    public record Outcome(
            long items,
            long done,
            long lost,
            long doneTwice,
            long unfinished,
            long staleAccepted,
            long refusedStale,
            long refusedDone,
            long epochs,
            long longestGapMs) {}

    public Outcome outcome() {
        long items = number("SELECT count(*) FROM jobs");
        long done = done();
        return new Outcome(
                items,
                done,
                number(
                        "SELECT count(*) FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM job_results r WHERE r.job_id = j.id)"),
                number("SELECT count(*) FROM (SELECT job_id FROM job_results GROUP BY job_id HAVING count(*) > 1) d"),
                number("SELECT count(*) FROM jobs WHERE status <> 'done'"),
                // a result whose epoch is below one recorded before it: a stale leader's write that got through
                number("SELECT count(*) FROM (SELECT epoch, max(epoch) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED "
                        + "PRECEDING AND 1 PRECEDING) AS before FROM job_results) x WHERE epoch < before"),
                refusals("stale-epoch"),
                refusals("already-done"),
                number("SELECT count(DISTINCT epoch) FROM job_results"),
                // the longest a waiting job went with no result recorded by anyone
                number("SELECT coalesce(round(max(extract(epoch FROM (r.recorded_at - greatest(r.previous, "
                        + "j.created_at))) * 1000)), 0) FROM (SELECT job_id, recorded_at, lag(recorded_at) OVER "
                        + "(ORDER BY seq) AS previous FROM job_results) r JOIN jobs j ON j.id = r.job_id "
                        + "WHERE r.previous IS NOT NULL"));
    }

    private long number(String sql) {
        try (Connection c = postgres.connect();
                var statement = c.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    @Override
    public void close() {
        if (feeder != null) {
            feeder.shutdownNow();
        }
    }
}
