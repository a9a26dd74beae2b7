-- Records one job's result, in one statement (one transaction) with the fence check:
--   fence:   the group's row moves up to this term's epoch, or nothing happens (a newer term has acted);
--   done:    the job goes to done, once, only if the fence held;
--   refused: otherwise the refusal and its reason are kept (the route logs it too);
--   the result row is written only for a job that went to done here.
-- A leader paused past its lease (GC, SIGSTOP) that wakes up and records is refused by the database.
WITH fence AS (
    UPDATE job_fence SET epoch = :#${header.K8sensusEpoch}
    WHERE election_group = :#${header.K8sensusGroup} AND epoch <= :#${header.K8sensusEpoch}
    RETURNING epoch
), done AS (
    UPDATE jobs SET status = 'done'
    WHERE id = :#${header.jobId} AND status <> 'done' AND EXISTS (SELECT 1 FROM fence)
    RETURNING id
), refused AS (
    INSERT INTO job_refusals (job_id, leader, epoch, reason)
    SELECT :#${header.jobId}, :#${header.K8sensusLeader}, :#${header.K8sensusEpoch},
           CASE WHEN EXISTS (SELECT 1 FROM fence) THEN 'already-done' ELSE 'stale-epoch' END
    WHERE NOT EXISTS (SELECT 1 FROM done)
)
INSERT INTO job_results (job_id, result, leader, epoch)
SELECT id, :#${body}, :#${header.K8sensusLeader}, :#${header.K8sensusEpoch} FROM done
