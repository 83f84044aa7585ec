"""python manage.py deliver_webhooks: send the group-robot messages that are due.

Without Redis the web process sends them from a background thread; run this from cron (every
minute) as well, so that what a restarted process left pending still goes out, with the same
retries and backoff. With Redis the Celery worker sends them; this only picks up strays.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from baodao.notifications import webhooks
from baodao.notifications.models import WebhookDelivery


class Command(BaseCommand):
    help = "Send the group-robot (webhook) deliveries that are due, once each."

    def handle(self, *args: object, **options: object) -> None:
        tried = 0
        while True:
            n = webhooks.deliver_due()
            tried += n
            if n < 100:
                break
        pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count()
        self.stdout.write(f"tried {tried}, pending {pending}")
