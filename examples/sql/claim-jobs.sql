-- Claims up to jobs.batch-size unfinished jobs for this leader term, in one statement (one transaction).
-- First the fence: the group's row moves up to this term's epoch, and stays where it is for an older term;
-- then the claim, which takes rows only if the fence moved: a leader whose term is over claims nothing.
-- Unfinished includes jobs claimed earlier and never recorded (a leader killed mid-batch, a failed batch).
-- Parameters are named by Camel simple expressions; the route sets batchSize.
WITH fence AS (
    INSERT INTO job_fence (election_group, epoch)
    VALUES (:#${header.K8sensusGroup}, :#${header.K8sensusEpoch})
    ON CONFLICT (election_group) DO UPDATE SET epoch = EXCLUDED.epoch
        WHERE job_fence.epoch <= EXCLUDED.epoch
    RETURNING epoch
)
UPDATE jobs
SET status = 'claimed', claimed_by = :#${header.K8sensusLeader}, claimed_epoch = :#${header.K8sensusEpoch}
WHERE id IN (SELECT id FROM jobs WHERE status <> 'done' ORDER BY id
             LIMIT CAST(:#${header.batchSize} AS integer) FOR UPDATE SKIP LOCKED)
  AND EXISTS (SELECT 1 FROM fence)
RETURNING id, payload
