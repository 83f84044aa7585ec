"""Roster import of 100,000 member rows (issue 2 §4), against plain reading of the same file.

Needs the demo city in the database (units, branches and buildings to point at, and the `city`
account, whose scope is the whole city). Writes the .xlsx with the demo generators: names,
GB 11643 ID numbers under region 990199 (no demo district uses it, so no row collides with a demo
member) and fake 140 mobiles.

Baseline, in the same run: openpyxl read_only reading of every cell of the file (no validation,
no insert). Target: the whole import in < 60 s.

    python bench/import_members.py [ROWS]      (default 100000, or BENCH_IMPORT_ROWS)
"""

from __future__ import annotations

import os
import random
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


def main() -> None:
    rows = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_IMPORT_ROWS", 100_000))
    setup_django()
    from baodao.accounts.models import User
    from baodao.directory.importing import run
    from baodao.directory.models import Member

    user = User.objects.get(username="city")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"members-{rows}.xlsx"
        start = time.perf_counter()
        write_roster(path, rows)
        took = time.perf_counter() - start
        say(f"wrote {rows:,} rows to an .xlsx of {path.stat().st_size / 1e6:.1f} MB in {took:.1f} s")

        read_s, read_n = timed(lambda: read_plain(path))
        assert read_n == rows, read_n

        before = Member.objects.count()
        marks: list[tuple[float, int, int]] = []
        with path.open("rb") as f:
            start = time.perf_counter()
            import_s, res = timed(
                lambda: run.import_xlsx(
                    kind="members",
                    file=f,
                    user=user,
                    progress=lambda done, total: marks.append((time.perf_counter(), done, total)),
                )
            )
    if not res.committed or res.created != rows:
        for err in res.rejected[:10]:
            say(f"row {err.row} {err.column}: {err.message}")
        sys.exit(f"import_members: import did not commit ({res.created:,} of {rows:,} rows written)")
    assert Member.objects.count() == before + rows
    say("phases: " + phases(marks, start, import_s))
    result(
        "import_members",
        rows=rows,
        seconds=import_s,
        rows_per_s=round(rows / import_s),
        baseline_read_s=read_s,
        baseline_rows_per_s=round(rows / read_s),
        ratio_vs_read=round(import_s / read_s, 2),
        target=f"<{TARGET_SECONDS}s:{verdict(import_s < TARGET_SECONDS)}",
    )


if __name__ == "__main__":
    main()
