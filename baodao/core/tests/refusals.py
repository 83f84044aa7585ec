"""`refused`: a block must raise exactly this refusal class with exactly these messages — the
status a client gets (a conflict is not a plain refusal) and the words a person reads. For the
state tests of every app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError


@contextmanager
def refused(cls: type[ValidationError], *messages: str) -> Iterator[None]:
    with pytest.raises(ValidationError) as caught:
        yield
    assert (type(caught.value), caught.value.messages) == (cls, list(messages))
