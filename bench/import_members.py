"""Roster import of 100,000 member rows (issue 2 §4) through a real Celery worker (issue 19 §7),
against plain reading of the same file.

Needs the demo city in the database (units, branches and buildings to point at, and the `city`
account, whose scope is the whole city) and Redis (REDIS_URL: the broker). Writes the .xlsx with
the demo generators: names, GB 11643 ID numbers under region 990199 (no demo district uses it, so
no row collides with a demo member) and fake 140 mobiles.

The import runs as users run it: the upload is stored as an import job, a `celery -A config worker`
process (started here, on a queue of its own) imports it, and this process follows the job's row
from another connection, as the job page does — so the time is upload to "done", and the bench
sees the progress and heartbeat the page shows (a worker that hangs, as one did on a COPY, fails
the bench instead of being missed by a progress callback that never touched the database). After
the job the worker gets SIGTERM and must exit, and the upload must be gone from the disk.

Baseline, in the same run: openpyxl read_only reading of every cell of the file (no validation,
no insert). Target: the whole import in < 60 s.

    python bench/import_members.py [ROWS]      (default 100000, or BENCH_IMPORT_ROWS)
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import result, say, setup_django, timed, verdict

TARGET_SECONDS = 60
REGION = "990199"


def write_roster(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from baodao.demo import directory as demo
    from baodao.directory.importing import columns
    from baodao.directory.models import Category, PartyOrg, Place

    rng = random.Random(99)
    people = demo.PersonGen(rng)
    branches = list(PartyOrg.objects.filter(kind=PartyOrg.Kind.BRANCH).order_by("pk").values_list("unit__code", "name"))
    buildings = list(Place.objects.filter(kind=Place.Kind.BUILDING).order_by("pk").values_list("code", flat=True))
    skills = list(Category.objects.filter(kind=Category.Kind.SKILL).values_list("name", flat=True))
    intentions = list(Category.objects.filter(kind=Category.Kind.INTENTION).values_list("name", flat=True))
    if not branches or not buildings:
        sys.exit("import_members: load the demo city first (manage.py load_demo)")

    # A normal (not write_only) workbook: shared strings and a <dimension>, as Excel and WPS write
    # them. write_only writes inline strings, which openpyxl reads about 3 times slower.
    wb = Workbook()
    ws = wb.active
    ws.title = "在职党员"
    ws.append([c.title for c in columns.TEMPLATES["members"]])
    for _ in range(rows):
        gender = people.gender()
        birth = people.birth_date(1966, 2000)
        unit_code, org = rng.choice(branches)
        joined = birth.replace(year=birth.year + rng.randint(20, 25), day=min(birth.day, 28))
        ws.append(
            [
                people.name(gender),
                people.id_number(REGION, birth, gender),
                people.mobile(),
                unit_code,
                org,
                rng.choice(buildings),
                f"{rng.randint(1, 3)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室",
                joined.isoformat(),
                "、".join(rng.sample(skills, rng.randint(0, 2))),
                "、".join(rng.sample(intentions, rng.randint(1, 3))),
            ]
        )
    wb.save(path)


def read_plain(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return n - 1


def phases(marks: list[tuple[float, int, int]], start: float, total_s: float) -> str:
    """Seconds spent reading, checking and writing (the commit included), from the progress bar's
    calls: its steps per row say where each phase ends."""
    from baodao.directory.importing.plan import ProgressBar

    if not marks:
        return "no progress reported"
    n = marks[-1][2] // ProgressBar.PER_ROW
    read_end = next((t for t, done, _ in marks if done >= n * ProgressBar.READ), start)
    check_end = next((t for t, done, _ in marks if done >= n * (ProgressBar.READ + ProgressBar.CHECK)), read_end)
    return (
        f"read {read_end - start:.1f} s, check {check_end - read_end:.1f} s, write {start + total_s - check_end:.1f} s"
    )


QUEUE = "bench-import"
HUNG_SECONDS = 900  # no import of the bench's size takes this long: the worker is stuck


def start_worker(log_path: Path) -> subprocess.Popen[bytes]:
    """A real worker of the project's app, in its own session (SIGKILL reaches its pool too)."""
    from common import ROOT

    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING", "-Q", QUEUE]
    command += ["--concurrency", "1", "-n", f"{QUEUE}@%h", "--without-heartbeat", "--without-mingle"]
    command += ["--without-gossip"]
    with log_path.open("ab") as out:
        # CELERY_QUEUE: what the worker's own sweep queues goes to the queue it takes from.
        env = {**os.environ, "CELERY_QUEUE": QUEUE}
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)
    # Ready when it answers a ping on the broker.
    from config.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            sys.exit(f"import_members: the worker exited at start:\n{log_path.read_text()[-3000:]}")
        if any(name.startswith(f"{QUEUE}@") for reply in app.control.ping(timeout=0.5) for name in reply):
            return worker
    worker.kill()
    sys.exit(f"import_members: the worker did not start:\n{log_path.read_text()[-3000:]}")


def follow(job_id: int, worker: subprocess.Popen[bytes], log_path: Path) -> list[tuple[float, int, int, object]]:
    """The job's row every 0.2 s until it is finished: (time, processed, total, heartbeat_at)."""
    from baodao.directory.models import ImportJob

    samples: list[tuple[float, int, int, object]] = []
    deadline = time.monotonic() + HUNG_SECONDS
    while time.monotonic() < deadline:
        status, processed, total, beat = ImportJob.objects.values_list(
            "status", "processed", "total", "heartbeat_at"
        ).get(pk=job_id)
        if status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            return samples
        if status == ImportJob.Status.RUNNING:
            samples.append((time.perf_counter(), processed, total, beat))
        if worker.poll() is not None:
            sys.exit(f"import_members: the worker died:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    worker.kill()
    sys.exit(f"import_members: the job was still {status} at {processed}/{total} after {HUNG_SECONDS} s: hung")


def main() -> None:
    rows = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_IMPORT_ROWS", 100_000))
    if not os.environ.get("REDIS_URL"):
        sys.exit("import_members: set REDIS_URL (the broker of the worker that imports)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")  # where the upload waits, for both processes
        os.environ.pop("CELERY_EAGER", None)
        setup_django()
        from django.core.files import File

        from baodao.accounts.models import User
        from baodao.directory.importing.jobs import import_job_create
        from baodao.directory.models import ImportJob, Member
        from config.celery import app

        app.conf.task_routes = {"baodao.directory.tasks.run_import": {"queue": QUEUE}}
        user = User.objects.get(username="city")
        path = Path(tmp) / f"members-{rows}.xlsx"
        start = time.perf_counter()
        write_roster(path, rows)
        took = time.perf_counter() - start
        say(f"wrote {rows:,} rows to an .xlsx of {path.stat().st_size / 1e6:.1f} MB in {took:.1f} s")

        read_s, read_n = timed(lambda: read_plain(path))
        assert read_n == rows, read_n

        log_path = Path(tmp) / "worker.log"
        worker = start_worker(log_path)
        try:
            before = Member.objects.count()
            with path.open("rb") as f:
                start = time.perf_counter()
                job = import_job_create(user=user, kind="members", file=File(f, name=path.name))
            samples = follow(job.pk, worker, log_path)
            import_s = time.perf_counter() - start
            worker.send_signal(signal.SIGTERM)  # as `kill -TERM`: a warm shutdown, nothing left to do
            try:
                exit_code = worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                sys.exit("import_members: the worker did not stop on SIGTERM within 60 s")
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        job.refresh_from_db()
        uploads = list((Path(tmp) / "media" / "imports").glob("*"))
    if job.status != ImportJob.Status.DONE or not job.committed or job.created_count != rows:
        for err in job.errors[:10]:
            say(f"row {err['row']} {err['column']}: {err['message']}")
        sys.exit(f"import_members: import did not commit ({job.created_count:,} of {rows:,} rows written)")
    assert Member.objects.count() == before + rows
    assert not uploads, "the upload is still on disk"
    assert exit_code == 0, f"the worker exited with {exit_code}"
    figures = sorted({(p, t) for _, p, t, _ in samples if t})
    beats = sorted({b for *_, b in samples if b})
    say(
        f"worker: {len(figures)} progress figures seen from another connection, {len(beats)} heartbeats;"
        " SIGTERM after the job: exited 0; upload deleted"
    )
    say("phases: " + phases([(t, p, n) for t, p, n, _ in samples if n], start, import_s))
    result(
        "import_members",
        rows=rows,
        seconds=import_s,
        rows_per_s=round(rows / import_s),
        baseline_read_s=read_s,
        baseline_rows_per_s=round(rows / read_s),
        ratio_vs_read=round(import_s / read_s, 2),
        progress_seen=len(figures),
        target=f"<{TARGET_SECONDS}s:{verdict(import_s < TARGET_SECONDS)}",
    )


if __name__ == "__main__":
    main()
