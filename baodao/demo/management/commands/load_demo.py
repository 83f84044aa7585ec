"""python manage.py load_demo [--seed N] [--scale city|province] [--if-empty] [--force]"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from baodao.demo import directory as demo
from baodao.demo.needs import seed_needs_demo, seed_needs_province
from baodao.demo.records import seed_records_demo, seed_records_province
from baodao.demo.reporting import seed_reporting_demo
from baodao.directory.models import Place
from baodao.stats import service_counts, tallies
from baodao.stats.needs_counts import recount


class Command(BaseCommand):
    help = "生成示范城市数据（仅用于演示和压测）/ Load the demo city (for demonstrations and benchmarks only)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子 / random seed")
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES),
            default="city",
            help="city：咸宁规模（默认）；province：约100万党员，用于PostgreSQL压测；tiny：测试用",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="数据库已有地点数据时什么也不做 / do nothing if any place exists"
        )
        parser.add_argument("--force", action="store_true", help="DEBUG 关闭时也加载 / load even when DEBUG is off")

    def handle(self, *args: object, **options: object) -> None:
        if options["if_empty"] and Place.objects.exists():
            self.stdout.write("数据库已有数据，不加载示范数据。/ The database is not empty: demo data not loaded.")
            self.print_accounts()
            return
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG 已关闭，示范数据只用于演示：确需加载请加 --force。"
                " / DEBUG is off and demo data is for demonstrations only: add --force to load it anyway."
            )
        self.stdout.write(f"生成示范数据 / loading demo data: scale={options['scale']} seed={options['seed']}")
        try:
            result = demo.demo_load(
                scale=str(options["scale"]), seed=int(str(options["seed"])), progress=self.stdout.write
            )
        except demo.DemoExists as exc:
            raise CommandError(
                f"示范数据已存在（{exc}），未重复加载。/ The demo data is already loaded ({exc})."
            ) from exc
        # The state of 双报到 on top of the master data (reports in every state, coordinates).
        import time

        t0 = time.monotonic()
        reporting = seed_reporting_demo(seed=int(str(options["seed"])))
        self.stdout.write(f"  双报到状态 / reporting state: {time.monotonic() - t0:.1f} s")
        result.counts.update({k: v for k, v in reporting.items() if k != "units"})
        # A year of the three lists: demands in every state, claims, ratings.

        t0 = time.monotonic()
        from django.db import connection

        if options["scale"] == "province" and connection.vendor == "postgresql":
            # ~1 demand per in-service member, by SQL: the figures' benchmark (issue 10 §5).
            result.counts["demands"] = seed_needs_province()
        else:
            result.counts.update(seed_needs_demo(seed=int(str(options["seed"]))))

        recount()  # inserted in bulk, past the signals: count once, now
        self.stdout.write(f"  三张清单 / needs: {time.monotonic() - t0:.1f} s")
        # A year of the service record: the city's in detail; the province's ~10M by SQL.
        if options["scale"] == "province" and connection.vendor == "postgresql":
            t0 = time.monotonic()
            result.counts["records"] = seed_records_province()
            service_counts.rebuild_by_sql()  # inserted in bulk, past the signals: count once, by SQL
            self.stdout.write(f"  服务纪实 / service record: {time.monotonic() - t0:.1f} s")
        elif options["scale"] != "province":
            t0 = time.monotonic()
            result.counts.update(seed_records_demo(seed=int(str(options["seed"]))))
            service_counts.recount()  # inserted in bulk, past the signals
            self.stdout.write(f"  服务纪实 / service record: {time.monotonic() - t0:.1f} s")
        # Inserted in bulk, past the model signals: count the three coverages once, now.

        t0 = time.monotonic()
        tallies.refresh(everything=True)
        self.stdout.write(f"  覆盖率计数 / coverage tallies: {time.monotonic() - t0:.1f} s")
        counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
        self.stdout.write(f"完成 / done in {result.seconds:.1f} s: {counts}")
        self.print_accounts()

    def print_accounts(self) -> None:
        accounts = demo.demo_accounts()
        if not accounts:
            return
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）/ demo accounts (password {demo.DEMO_PASSWORD}):")
        for username, role, scope in accounts:
            self.stdout.write(f"  {username:<10} {role}：{scope}")
