"""python manage.py expire_imports: fail roster imports whose worker died, delete uploads no job needs (cron)."""

from django.core.management.base import BaseCommand

from baodao.directory.tasks import import_jobs_expire


class Command(BaseCommand):
    help = (
        "把后台进程已停止的导入任务标记为失败，并删除不再需要的上传文件。"
        "Fail roster imports whose worker died and delete uploads that no job needs."
    )

    def handle(self, *args: object, **options: object) -> None:
        failed = import_jobs_expire()
        self.stdout.write(f"标记失败的导入任务 {failed} 个")
