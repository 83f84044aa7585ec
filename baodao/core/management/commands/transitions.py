"""python manage.py transitions: every status table (from, to, who, event) as Markdown, for people to read."""

from django.core.management.base import BaseCommand

from baodao.core.transitions import render_tables


class Command(BaseCommand):
    help = "列出各状态流转表 / print every status transition table"

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(render_tables())
