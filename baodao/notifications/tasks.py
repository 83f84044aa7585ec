"""Background work of notifications: group-robot deliveries, retried with backoff."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from baodao.notifications import webhooks


@shared_task(bind=True, ignore_result=True, max_retries=webhooks.MAX_ATTEMPTS)
def deliver_webhook(self: Any, delivery_id: int) -> None:  # noqa: ANN401 - Celery's bound task
    """One attempt, then again after the backoff (30 s, 1 min, 2 min…) until the robot accepts it or
    the attempts run out. Run eagerly (no Redis), the attempts follow one another at once."""
    if self.request.is_eager:
        for _attempt in range(webhooks.MAX_ATTEMPTS):
            if webhooks.deliver(delivery_id) is not None:
                return
        return
    if webhooks.deliver(delivery_id) is None:
        raise self.retry(countdown=webhooks.backoff(self.request.retries + 1))
