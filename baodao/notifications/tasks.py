"""Background work of notifications: group-robot deliveries on a Celery worker, retried with backoff.

Without Redis (eager tasks) this task is not used: services.webhook_deliveries_start hands the
deliveries to the process's delivery thread instead, so no robot is waited for inside a request.
"""

from __future__ import annotations

import math
from typing import Any

from celery import shared_task
from django.utils import timezone

from baodao.notifications import webhooks

# Each retry either makes an attempt (at most MAX_ATTEMPTS) or finds the row not due yet.
MAX_RETRIES = 3 * webhooks.MAX_ATTEMPTS


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def deliver_webhook(self: Any, delivery_id: int) -> None:  # noqa: ANN401 - Celery's bound task
    """One attempt, then again when the delivery is next due (30 s, 1 min, 2 min…) until the robot
    accepts it or the attempts run out."""
    outcome = webhooks.deliver(delivery_id)
    if outcome.retry_at is None or self.request.is_eager:
        return
    countdown = max(1, math.ceil((outcome.retry_at - timezone.now()).total_seconds()))
    raise self.retry(countdown=countdown)
