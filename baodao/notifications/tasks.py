"""Background work of notifications: group-robot deliveries on a Celery worker, retried with backoff.

Without Redis (eager tasks) this task is not used: services.webhook_deliveries_start hands the
deliveries to the process's delivery thread instead, so no robot is waited for inside a request.

With Redis the delivery row is the record and the message only a nudge: a message lost with a
killed worker or a restarted Redis, or never sent because the broker was down, is made good by
the workers' sweep (`deliveries_sweep`) once the row has been due for a while.
"""

from __future__ import annotations

import math
from typing import Any

from celery import shared_task
from django.utils import timezone

from baodao.core import jobs
from baodao.notifications import webhooks

# Each retry either makes an attempt (at most MAX_ATTEMPTS) or finds the row not due yet.
MAX_RETRIES = 3 * webhooks.MAX_ATTEMPTS


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def deliver_webhook(self: Any, delivery_id: int) -> None:  # noqa: ANN401 - Celery's bound task
    """One attempt, then again when the delivery is next due (30 s, 1 min, 2 min…) until the robot
    accepts it or the attempts run out."""
    outcome = webhooks.deliver(delivery_id)
    # Not attempted: the row is not due, or another worker holds it; whoever holds it, or the sweep
    # (`deliveries_sweep`), sends it next. Only the message that posted carries the retries on, so
    # a message sent twice (the sweep, a redelivery) never doubles the chain.
    if outcome.retry_at is None or not outcome.attempted or self.request.is_eager:
        return
    countdown = max(1, math.ceil((outcome.retry_at - timezone.now()).total_seconds()))
    raise self.retry(countdown=countdown)


def deliveries_sweep() -> int:
    """Run by each worker every WORKER_SWEEP_SECONDS (config/celery.py): deliveries whose message
    was lost go to the queue again. The database is the record, not the broker."""
    return webhooks.overdue_requeue(lambda pk: jobs.enqueue(deliver_webhook, pk))
