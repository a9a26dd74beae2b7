-- The job table of the SQL recipe (docs/WIRING.md), and what its fence needs. Apply it once, as a migration:
--   psql "$JOBS_DB_URL" -f schema.sql
-- Nothing in the routes creates or alters tables.

-- The work: one row per job; status goes pending -> claimed -> done.
CREATE TABLE IF NOT EXISTS jobs (
    id            bigserial PRIMARY KEY,
    payload       text        NOT NULL,
    status        text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed', 'done')),
    claimed_by    text,
    claimed_epoch bigint,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (id) WHERE status <> 'done';

-- The fence: per election group, the highest epoch (leader term) that has claimed or recorded. A statement of a
-- lower epoch changes nothing.
CREATE TABLE IF NOT EXISTS job_fence (
    election_group text   PRIMARY KEY,
    epoch          bigint NOT NULL
);

-- The effect of a job: its result, written in the same statement that marks the job done. No UNIQUE (job_id) on
-- purpose, so that a job done twice would show (WiringSqlIT counts them); add one in your own schema if you like.
CREATE TABLE IF NOT EXISTS job_results (
    seq         bigserial   PRIMARY KEY,
    job_id      bigint      NOT NULL REFERENCES jobs (id),
    result      text        NOT NULL,
    leader      text        NOT NULL,
    epoch       bigint      NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Results the database refused: stale-epoch (a newer term has acted) or already-done.
CREATE TABLE IF NOT EXISTS job_refusals (
    seq        bigserial   PRIMARY KEY,
    job_id     bigint      NOT NULL,
    leader     text,
    epoch      bigint,
    reason     text        NOT NULL,
    refused_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
