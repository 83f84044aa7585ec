"""python manage.py prune_audit: delete audit entries older than the longest retention rule (180 days at least)."""

from django.core.management.base import BaseCommand

from baodao.accounts.services import audit_prune


class Command(BaseCommand):
    help = "删除超过保存期限的审计日志（至少保留180天）。Delete audit entries older than the retention rule."

    def handle(self, *args: object, **options: object) -> None:
        result = audit_prune()
        self.stdout.write(
            f"保存期限 {result['days']} 天；删除安全事件 {result['security_events']} 条，"
            f"数据变更 {result['changes']} 条"
        )
