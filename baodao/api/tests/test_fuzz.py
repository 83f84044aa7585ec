"""No API operation answers 5xx, whatever it is sent (issue 9 §16): a bounded schemathesis run over
every operation of the OpenAPI schema, as a staff token and as a member token.

Requests go through the whole Django stack in this process (WSGI), inside the test's transaction:
what a generated POST writes is rolled back. The token endpoint is fuzzed too, with generated
usernames: django-axes counts failures per account and address, so the real accounts are never
locked — the last assertion checks that the staff token endpoint still answers for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings

from baodao.accounts.services import api_token_issue

EXAMPLES = 15  # per operation and role: bounded, the suite stays fast; derandomized, it repeats


@pytest.fixture
def in_process() -> Iterator[None]:
    """Requests through the plain WSGI handler inside the test's transaction: as Django's test client
    does, keep the handler from closing the connection (which ends the transaction on PostgreSQL)
    at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["community_staff", "member"])
def test_no_operation_answers_a_server_error(world: SimpleNamespace, role: str, in_process: None) -> None:
    user = world.role_users[role]
    headers = {"Authorization": f"Bearer {api_token_issue(user=user)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), headers=headers)
    errors: dict[str, list[str]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the schema was read whole

    for operation in operations:
        _fuzz(operation, headers, errors)()

    assert errors == {}
    still = Client().post(
        "/api/v1/auth/token", {"username": user.username, "password": world.password}, content_type="application/json"
    )
    assert still.status_code == 200


def _fuzz(operation: object, headers: dict[str, str], errors: dict[str, list[str]]) -> object:
    label = operation.label

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            errors.setdefault(label, []).append(f"{response.status_code} {case.as_curl_command()}"[:300])
        else:
            assert "application/json" in str(response.headers.get("content-type")), (label, response.status_code)

    return run
