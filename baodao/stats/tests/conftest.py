"""Fixtures of the figures' tests: the reporting world (reports in every state) that they count."""

from baodao.reporting.tests.conftest import coverage_world, teams, today

__all__ = ["coverage_world", "teams", "today"]
