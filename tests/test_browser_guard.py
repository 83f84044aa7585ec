"""The guard of tests/browser_guard.py, run in a pytest of its own (pytester)."""

from __future__ import annotations

import pytest

INNER = """
import pytest


@pytest.fixture
def page():
    pytest.skip("no Chromium here")


@pytest.fixture
def logged_in(page):
    return page


@pytest.mark.browser
def test_marked_browser_test_that_skips():
    pytest.skip("no Chromium here")


def test_unmarked_test_taking_page(page):
    pass


def test_unmarked_test_taking_page_through_another_fixture(logged_in):
    pass


@pytest.mark.skip(reason="skipped by marker")
def test_browser_test_skipped_by_marker(page):
    pass


@pytest.mark.skip(reason="not a browser test")
def test_plain_test_may_skip():
    pass


@pytest.mark.browser
@pytest.mark.xfail(reason="an expected failure is not a skip")
def test_browser_xfail():
    assert False


def test_plain_test_passes():
    pass
"""

# Only the guard: no Django, and pytester's fake `page` instead of pytest-playwright's.
ARGS = ("-p", "no:django", "-p", "no:playwright", "-p", "no:cacheprovider", "-p", "tests.browser_guard", "-rfEs")


def test_a_skipped_browser_test_fails_the_run(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    browser: drives a real Chromium\n")
    pytester.makepyfile(test_inner=INNER)

    result = pytester.runpytest(*ARGS)

    # A skip in the call phase becomes a failure, one in set-up (a fixture, a skip marker) an error.
    result.assert_outcomes(failed=1, errors=3, skipped=1, passed=1, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "FAILED test_inner.py::test_marked_browser_test_that_skips*",
            "ERROR test_inner.py::test_unmarked_test_taking_page - *",
            "ERROR test_inner.py::test_unmarked_test_taking_page_through_another_fixture*",
            "ERROR test_inner.py::test_browser_test_skipped_by_marker*",
        ],
        consecutive=False,
    )
    assert "browser tests must run, not skip" in result.stdout.str()


def test_without_the_guard_the_same_run_is_green(pytester: pytest.Pytester) -> None:
    """What the guard prevents: the same file without it passes with skips."""
    pytester.makeini("[pytest]\nmarkers =\n    browser: drives a real Chromium\n")
    pytester.makepyfile(test_inner=INNER)

    result = pytester.runpytest(*ARGS[:-3])

    result.assert_outcomes(skipped=5, passed=1, xfailed=1)
    assert result.ret == pytest.ExitCode.OK
