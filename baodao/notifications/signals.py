"""Signals of the inbox, for the layers above that show its state (the home page's unread count)."""

from django.dispatch import Signal

# Sent after notifications were marked read in bulk (QuerySet.update sends no post_save);
# kwargs: user_ids (the users whose unread count changed).
notifications_read = Signal()
