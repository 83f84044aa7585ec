"""`auditlogflush` refused: the audit log is pruned by retention (`prune_audit`), never flushed whole."""

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    """Shadows django-auditlog's command of the same name: audit entries are kept (等保 2.0)."""

    help = "已停用：审计日志不可清空，请使用 prune_audit 按保存期限清理。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="*")
        parser.add_argument("-y", "--yes", action="store_true")
        parser.add_argument("-b", "--before-date")
        parser.add_argument("-t", "--truncate", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        raise CommandError("审计日志不可清空（至少保存180天）。请使用 `manage.py prune_audit`。")
