"""Roster import from .xlsx: places, units with their party orgs, members, residents.

An import reads the whole sheet (`readers`), validates every row against maps loaded once (one
planner per kind: `places`, `units`, `members`, `residents`, sharing `plan`), and then writes in one
transaction with bulk inserts (COPY on PostgreSQL) — all rows, or none when any row fails (unless
the user asked for the valid rows only): `run.import_xlsx`. `columns` is the file format and its
template; `jobs` stores an upload and starts it. Export rows are in directory.exports.

Where a job runs: on a Celery worker when REDIS_URL is set; otherwise (tasks eager, `make run`) in
a background thread of the web process, so the upload returns at once and the job page shows the
progress; tests import synchronously (IMPORT_RUN_IN_THREAD off). See `directory.tasks`.
"""
