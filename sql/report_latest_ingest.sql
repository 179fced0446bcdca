-- The latest intake run: its summary names the files left in the inbox (unknown folders,
-- still being copied), which the Kelengkapan Laporan view lists for the operator.
SELECT run_id, started_at, finished_at, summary
FROM runs
WHERE run_kind = 'ingest'
ORDER BY started_at DESC, run_id DESC
LIMIT 1;
