"""pytest plugin: a browser test that skips is a failure (loaded by the root conftest.py).

A missing Chromium must never look like a green run. A browser test is one marked `browser` or
one that uses a Playwright fixture (`page`, `context`, `browser`, ...), directly or through another
fixture, so an unmarked test that takes `page` cannot skip silently either.
"""

from __future__ import annotations

import pytest

# pytest-playwright's fixtures that stand for a running browser.
PLAYWRIGHT_FIXTURES = frozenset(
    {"playwright", "browser_type", "launch_browser", "browser", "new_context", "context", "page"}
)


def is_browser_test(item: pytest.Item) -> bool:
    if item.get_closest_marker("browser"):
        return True
    return not PLAYWRIGHT_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.skipped and not hasattr(report, "wasxfail") and is_browser_test(item):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"browser test skipped ({reason}); browser tests must run, not skip"
    return report
