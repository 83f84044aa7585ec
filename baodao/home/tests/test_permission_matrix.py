"""The permission matrix: every URL pattern × every demo role, and the status each one gets.

Read a row as "this page, asked this way, answers each role with…". GET for pages, POST with an
empty form for actions (so an allowed role gets the form's own 422 or a redirect, and nothing is
changed that a later row depends on). 404 means out of sight (the same as missing), 403 seen but
not allowed, 302 to the login page for nobody logged in (`anon`), 405 the wrong method.

A new URL pattern without a row here fails `test_every_url_pattern_has_a_row`: add its row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from baodao.accounts.models import User
from baodao.conftest import keep, kept
from baodao.directory.models import ImportJob
from baodao.needs import services as needs_services
from baodao.needs.tests.conftest import ask as needs_ask
from baodao.notifications.services import notify
from baodao.records.tests.conftest import activity as records_activity
from baodao.reporting import services
from baodao.reporting.tests.conftest import submit, teams, unit_submit

__all__ = ["teams"]

ROLES = [
    "anon",
    "nobody",
    "city_admin",
    "district_admin",
    "street_admin",
    "community_staff",
    "compound_secretary",
    "unit_secretary",
    "member",
    "resident",
    "superuser",
]

# name, method, args (from the world below), then one status per role in ROLES' order.
MATRIX: list[tuple[str, str, Callable[[SimpleNamespace], list[object]], list[int]]] = []


def row(name: str, method: str, args: Callable[[SimpleNamespace], list[object]], statuses: list[int]) -> None:
    assert len(statuses) == len(ROLES), name
    MATRIX.append((name, method, args, statuses))


def no(w: SimpleNamespace) -> list[object]:
    return []


# fmt: off
#                                                                      anon nob  city dist strt comm cmpd unit memb resd root
row("home", "GET", no,                                                 [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 302])
row("favicon", "GET", no,                                              [301, 301, 301, 301, 301, 301, 301, 301, 301, 301, 301])
row("healthz", "GET", no,                                              [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("accounts:login", "GET", no,                                       [200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302])
row("accounts:logout", "GET", no,                                      [405, 405, 405, 405, 405, 405, 405, 405, 405, 405, 405])
row("accounts:password_change", "GET", no,                             [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("accounts:password_change", "POST", no,                            [302, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422])
# directory
row("directory:place_list", "GET", no,                                 [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("directory:place_detail", "GET", lambda w: [w.A.pk],               [302, 403, 200, 200, 200, 200, 404, 200, 403, 403, 200])
row("directory:place_children", "GET", lambda w: [w.A.pk],             [302, 403, 200, 200, 200, 200, 404, 200, 403, 403, 200])
row("directory:place_member_suggest", "GET", lambda w: [w.A.pk],      [302, 403, 200, 200, 200, 200, 404, 403, 403, 403, 200])
row("directory:place_fs_appoint", "POST", lambda w: [w.A.pk],          [302, 403, 422, 422, 422, 422, 404, 403, 403, 403, 422])
row("directory:place_fs_end", "POST", lambda w: [w.A.pk],              [302, 403, 404, 404, 404, 404, 404, 403, 403, 403, 404])
row("directory:place_head_appoint", "POST", lambda w: [w.A.pk],        [302, 403, 422, 422, 422, 422, 404, 403, 403, 403, 422])
row("directory:place_head_end", "POST", lambda w: [w.A.pk],            [302, 403, 404, 404, 404, 404, 404, 403, 403, 403, 404])
row("directory:place_leader_add", "POST", lambda w: [w.A.pk],          [302, 403, 422, 403, 403, 403, 404, 403, 403, 403, 422])
row("directory:place_leader_end", "POST", lambda w: [w.A.pk],          [302, 403, 404, 403, 403, 403, 404, 403, 403, 403, 404])
row("directory:unit_list", "GET", no,                                  [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("directory:unit_detail", "GET", lambda w: [w.U.pk],                [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("directory:unit_team_create", "POST", lambda w: [w.U.pk],          [302, 403, 302, 302, 302, 403, 403, 302, 403, 403, 302])
row("directory:unit_team_add", "POST", lambda w: [w.U.pk],             [302, 403, 404, 404, 404, 403, 403, 404, 403, 403, 404])
row("directory:unit_team_end", "POST", lambda w: [w.U.pk],             [302, 403, 404, 404, 404, 403, 403, 404, 403, 403, 404])
row("directory:member_list", "GET", no,                                [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("directory:member_detail", "GET", lambda w: [w.m_u_a.pk],          [302, 404, 200, 200, 200, 200, 200, 200, 200, 404, 200])
row("directory:resident_list", "GET", no,                              [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("directory:resident_detail", "GET", lambda w: [w.r_a1.pk],         [302, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200])
row("directory:rule_list", "GET", no,                                  [302, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403])
row("directory:category_list", "GET", no,                              [302, 403, 200, 403, 403, 403, 403, 403, 403, 403, 200])
row("directory:audit", "GET", no,                                      [302, 403, 200, 403, 403, 403, 403, 403, 403, 403, 200])
row("directory:account_list", "GET", no,                               [302, 403, 200, 200, 200, 403, 403, 403, 403, 403, 200])
row("directory:account_password_reset", "GET", lambda w: [w.resident_user.pk],
                                                                       [302, 403, 200, 200, 200, 403, 403, 403, 403, 403, 200])
row("directory:account_password_reset", "POST", lambda w: [w.resident_user.pk],
                                                                       [302, 403, 200, 200, 200, 403, 403, 403, 403, 403, 200])
row("directory:account_password_reset", "GET", lambda w: [w.district_admin.pk],
                                                                       [302, 403, 200, 404, 404, 403, 403, 403, 403, 403, 200])
# roster import
row("import:index", "GET", no,                                         [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("import:template", "GET", lambda w: ["members"],                   [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("import:upload", "GET", lambda w: ["members"],                     [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("import:upload", "POST", lambda w: ["members"],                    [302, 403, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("import:job", "GET", lambda w: [w.job.pk],                         [302, 403, 404, 404, 404, 200, 403, 403, 403, 403, 404])
row("import:job_errors", "GET", lambda w: [w.job.pk],                  [302, 403, 404, 404, 404, 200, 403, 403, 403, 403, 404])
# notifications
row("notifications:inbox", "GET", no,                                  [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("notifications:open", "POST", lambda w: [w.note.pk],               [302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404])
row("notifications:mark_all_read", "POST", no,                         [302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302])
# 双报到: unit secretary
row("reporting:unit_report", "GET", no,                                [302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403])
row("reporting:unit_report", "POST", no,                               [302, 403, 403, 403, 403, 403, 403, 422, 403, 403, 403])
row("reporting:unit_functions", "POST", no,                            [302, 403, 403, 403, 403, 403, 403, 302, 403, 403, 403])
row("reporting:agreement_pdf", "GET", lambda w: [w.unit_report.pk],    [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("reporting:agreements", "GET", no,                                 [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("reporting:ledger", "GET", no,                                     [302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403])
row("reporting:certificates_pdf", "GET", no,                           [302, 403, 403, 403, 403, 403, 403, 302, 403, 403, 403])
row("reporting:unit_approve", "POST", lambda w: [w.report.pk],         [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("reporting:unit_return", "POST", lambda w: [w.report.pk],          [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("reporting:mobile_request_approve", "POST", lambda w: [999999],    [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("reporting:mobile_request_refuse", "POST", lambda w: [999999],     [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("reporting:certificates_issue", "GET", no,                         [302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403])
row("reporting:certificates_issue", "POST", no,                        [302, 403, 403, 403, 403, 403, 403, 302, 403, 403, 403])
# 双报到: community staff
row("reporting:pending", "GET", no,                                    [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("reporting:confirm_members", "POST", no,                           [302, 403, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("reporting:report_detail", "GET", lambda w: [w.report.pk],         [302, 404, 200, 200, 200, 200, 200, 200, 200, 404, 200])
row("reporting:return_member", "POST", lambda w: [w.report.pk],        [302, 404, 422, 422, 422, 422, 403, 403, 403, 404, 422])
row("reporting:unit_report_confirm", "POST", lambda w: [w.unit_report.pk], [302, 404, 422, 422, 422, 422, 403, 403, 404, 404, 422])
row("reporting:unit_report_return", "POST", lambda w: [w.unit_report.pk], [302, 404, 422, 422, 422, 422, 403, 403, 404, 404, 422])
# 双报到: admins
row("reporting:assign_list", "GET", no,                                [302, 403, 200, 200, 403, 403, 403, 403, 403, 403, 200])
row("reporting:assign_unit", "GET", lambda w: [w.U.pk],                [302, 404, 200, 200, 404, 404, 404, 404, 404, 404, 200])
row("reporting:assign_unit", "POST", lambda w: [w.U.pk],               [302, 404, 422, 422, 404, 404, 404, 404, 404, 404, 422])
row("reporting:assign_unit_functions", "POST", lambda w: [w.U.pk],     [302, 404, 302, 302, 404, 404, 404, 404, 404, 404, 302])
row("reporting:commitment", "GET", no,                                 [302, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403])
row("reporting:commitment", "POST", no,                                [302, 403, 422, 403, 403, 403, 403, 403, 403, 403, 403])
row("reporting:commitment_reset", "POST", no,                          [302, 403, 302, 403, 403, 403, 403, 403, 403, 403, 403])
row("reporting:member_move", "POST", lambda w: [w.m_u_a.pk],           [302, 404, 422, 422, 422, 422, 403, 422, 403, 404, 422])
row("reporting:member_move_suggest", "GET", lambda w: [w.m_u_a.pk],    [302, 404, 200, 200, 200, 200, 403, 200, 403, 404, 200])
row("reporting:member_status", "POST", lambda w: [w.m_u_a.pk],         [302, 404, 422, 422, 422, 422, 403, 422, 403, 404, 422])
row("reporting:member_leave", "POST", lambda w: [w.m_u_a.pk],          [302, 404, 422, 422, 422, 422, 403, 422, 403, 404, 422])
row("reporting:member_leave_suggest", "GET", lambda w: [w.m_u_a.pk],   [302, 404, 200, 200, 200, 200, 403, 200, 403, 404, 200])
# 双报到: the member on the phone
row("reporting:register", "GET", lambda w: ["not-a-token"],            [400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400])
row("reporting:self_report", "GET", lambda w: [w.A.code],              [200, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
row("reporting:my_report", "GET", no,                                  [302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
# figures
row("stats:coverage", "GET", no,                                       [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("stats:laggards", "GET", lambda w: ["members"],                    [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
# public (no login)
# the three lists (needs): w.demand is 陈安居's pending demand at 安一小区; w.item is published
row("stats:behind", "GET", no,                                         [302, 403, 200, 200, 200, 200, 403, 200, 403, 403, 200])
row("stats:ranking", "GET", no,                                        [302, 403, 404, 404, 404, 404, 403, 403, 403, 403, 404])
row("stats:records", "GET", no,                                        [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("stats:needs", "GET", no,                                          [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("needs:submit", "GET", no,                                         [302, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403])
row("needs:submit", "POST", no,                                        [302, 403, 403, 403, 403, 403, 403, 403, 403, 422, 403])
row("needs:similar", "POST", no,                                       [302, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403])
row("needs:mine", "GET", no,                                           [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("needs:demand", "GET", lambda w: [w.demand.pk],                    [302, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200])
row("needs:follow", "POST", lambda w: [w.item.pk],                     [302, 404, 403, 403, 403, 403, 403, 403, 403, 422, 403])
row("needs:accept", "POST", lambda w: [w.demand.pk],                   [302, 404, 403, 403, 403, 403, 403, 404, 404, 422, 403])
row("needs:reopen", "POST", lambda w: [w.demand.pk],                   [302, 404, 403, 403, 403, 403, 403, 404, 404, 422, 403])
row("needs:rate", "POST", lambda w: [w.demand.pk],                     [302, 404, 403, 403, 403, 403, 403, 404, 404, 422, 403])
row("needs:withdraw", "POST", lambda w: [w.spare.pk],                  [302, 404, 403, 403, 403, 403, 403, 404, 404, 302, 403])
row("needs:photo", "GET", lambda w: [999999],                          [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:poster", "GET", lambda w: [w.A.code],                       [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("needs:poster_similar", "POST", lambda w: [w.A.code],              [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("needs:follow_link", "GET", lambda w: ["not-a-token"],             [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:token_accept", "POST", lambda w: ["not-a-token"],           [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:token_reopen", "POST", lambda w: ["not-a-token"],           [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:token_rate", "POST", lambda w: ["not-a-token"],             [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:items", "GET", no,                                          [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("needs:item", "GET", lambda w: [w.item.pk],                        [302, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("needs:claim", "POST", lambda w: [w.item.pk],                      [302, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403])
row("needs:claim_withdraw", "POST", lambda w: [999999],                [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:claim_decline", "POST", lambda w: [999999],                 [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:claim_start", "POST", lambda w: [999999],                   [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:claim_done", "POST", lambda w: [999999],                    [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:claim_contact", "POST", lambda w: [999999],                 [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("needs:contact_readings", "GET", no,                               [302, 403, 200, 200, 200, 200, 200, 403, 403, 403, 200])
row("needs:review", "GET", no,                                         [302, 403, 200, 200, 200, 200, 200, 403, 403, 403, 200])
row("needs:ledger_pdf", "GET", no,                                     [302, 403, 302, 302, 302, 200, 200, 403, 403, 403, 302])
row("needs:supply", "GET", no,                                         [302, 403, 200, 200, 200, 200, 200, 403, 403, 403, 200])
row("needs:import", "GET", no,                                         [302, 403, 200, 200, 200, 200, 200, 403, 403, 403, 200])
row("needs:import", "POST", no,                                        [302, 403, 422, 422, 422, 422, 422, 403, 403, 403, 422])
row("needs:accept_many", "POST", no,                                   [302, 403, 302, 302, 302, 302, 302, 403, 403, 403, 302])
row("needs:close_many", "POST", no,                                    [302, 403, 302, 302, 302, 302, 302, 403, 403, 403, 302])
row("needs:unit", "GET", no,                                           [302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403])
row("needs:overdue", "GET", no,                                        [302, 403, 200, 200, 200, 200, 200, 403, 403, 403, 200])
row("needs:entry", "GET", no,                                          [302, 403, 200, 200, 200, 200, 200, 403, 403, 403, 200])
row("needs:entry", "POST", no,                                         [302, 403, 422, 422, 422, 422, 422, 403, 403, 403, 422])
row("needs:manage", "GET", lambda w: [w.demand.pk],                    [302, 404, 200, 200, 200, 200, 200, 404, 404, 404, 200])
row("needs:staff_accept", "POST", lambda w: [w.demand.pk],             [302, 404, 422, 422, 422, 422, 422, 404, 404, 404, 422])
row("needs:staff_reject", "POST", lambda w: [w.demand.pk],             [302, 404, 422, 422, 422, 422, 422, 404, 404, 404, 422])
row("needs:staff_merge", "POST", lambda w: [w.demand.pk],              [302, 404, 422, 422, 422, 422, 422, 404, 404, 404, 422])
row("needs:staff_dispatch", "POST", lambda w: [w.item.pk],             [302, 404, 422, 422, 422, 422, 422, 404, 404, 404, 422])
row("needs:staff_dispatch_suggest", "GET", lambda w: [w.item.pk],      [302, 404, 200, 200, 200, 200, 200, 404, 404, 404, 200])
row("needs:staff_category", "POST", lambda w: [w.demand.pk],           [302, 404, 422, 422, 422, 422, 422, 404, 404, 404, 422])
row("needs:staff_unable", "POST", lambda w: [w.demand.pk],             [302, 404, 422, 422, 422, 422, 422, 404, 404, 404, 422])
row("needs:staff_close", "POST", lambda w: [w.item.pk],                [302, 404, 403, 403, 403, 422, 403, 404, 404, 404, 422])
row("public:community", "GET", lambda w: [w.A.code],                   [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("public:item", "GET", lambda w: [w.A.code, w.item.pk],            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("public:poster", "GET", lambda w: [w.A.code],                      [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("public:self_report_poster", "GET", lambda w: [w.A.code],          [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
# the service record (records): w.activity is 安宁社区's, by its staff, starting in two hours
row("records:home", "GET", no,                                         [302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
row("records:log", "GET", no,                                          [302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
row("records:record", "GET", lambda w: [999999],                       [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:record_edit", "GET", lambda w: [999999],                  [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:claim_log", "GET", lambda w: [999999],                    [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:activity", "GET", lambda w: [w.activity.pk],              [302, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200])
row("records:signup", "POST", lambda w: [w.activity.pk],               [302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
row("records:cancel", "POST", lambda w: [w.activity.pk],               [302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
row("records:scan", "GET", lambda w: [w.activity.pk, "in", 1, "x"],    [302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
row("records:activities", "GET", no,                                   [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("records:new_activity", "GET", no,                                 [302, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
row("records:new_activity", "POST", no,                                [302, 403, 422, 422, 422, 422, 422, 422, 403, 403, 422])
row("records:code", "GET", lambda w: [w.activity.pk, "in"],            [302, 404, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("records:attendance", "POST", lambda w: [w.activity.pk],           [302, 404, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("records:close", "POST", lambda w: [w.activity.pk],                [302, 404, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("records:pending", "GET", no,                                      [302, 403, 403, 403, 403, 200, 403, 403, 403, 403, 200])
row("records:confirm", "POST", no,                                     [302, 403, 403, 403, 403, 422, 403, 403, 403, 403, 422])
row("records:return", "POST", lambda w: [999999],                      [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:certificates", "GET", no,                                 [302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
row("records:certificate", "GET", lambda w: [999999],                  [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:certificate_pdf", "GET", lambda w: [999999],              [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:certificate_revoke", "POST", lambda w: [999999],          [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:verify", "GET", lambda w: ["not-a-token"],                [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:teams", "GET", no,                                        [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("records:teams", "POST", no,                                       [302, 403, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("records:team", "GET", lambda w: [999999],                         [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:team_leader", "POST", lambda w: [999999],                 [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:join_list", "GET", no,                                    [302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
row("records:join", "POST", lambda w: [999999],                        [302, 403, 403, 403, 403, 403, 403, 403, 404, 403, 403])
row("records:leave", "POST", lambda w: [999999],                       [302, 403, 403, 403, 403, 403, 403, 403, 404, 403, 403])
row("records:leaders", "GET", no,                                      [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("records:leaders", "POST", no,                                     [302, 403, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("records:visit_decide", "POST", lambda w: [999999],                [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:team_claim", "POST", lambda w: [999999],                  [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:unit_team_create", "POST", no,                           [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:pairings", "GET", no,                                     [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("records:pairings", "POST", no,                                    [302, 403, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("records:pairing_end", "POST", lambda w: [999999],                 [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:callups", "GET", no,                                      [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("records:callups", "POST", no,                                     [302, 403, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("records:callup", "GET", lambda w: [999999],                       [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:callup_answer", "POST", lambda w: [999999],               [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:callup_attend", "POST", lambda w: [999999],               [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:callup_close", "POST", lambda w: [999999],                [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:handbook", "GET", no,                                     [302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
row("records:unit_ledger", "GET", no,                                  [302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403])
row("notifications:webhooks", "GET", no,                                [302, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
row("notifications:webhooks", "POST", no,                               [302, 403, 422, 422, 422, 422, 403, 403, 403, 403, 422])
row("notifications:webhook_test", "POST", lambda w: [999999],           [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:unit_year", "GET", no,                                    [302, 403, 403, 403, 403, 403, 403, 200, 403, 403, 403])
row("records:unit_log", "POST", no,                                    [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:commitment_make", "POST", no,                             [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:commitment_keep", "POST", lambda w: [999999],             [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:commitment_edit", "POST", lambda w: [999999],             [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:commitment_withdraw", "POST", lambda w: [999999],         [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
row("records:first_secretary", "GET", no,                              [302, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
row("records:cancel_activity", "POST", lambda w: [w.activity.pk],      [302, 404, 302, 302, 302, 302, 403, 403, 403, 403, 302])
# fmt: on

# Patterns the matrix does not walk, and why.
NOT_WALKED = {
    "admin:*": "Django admin: superusers only, tested in accounts/tests/test_admin.py",
    "api:*": "the JSON API: API_MATRIX below (bearer tokens, not sessions)",
}


def _names(resolver: URLResolver, prefix: str = "") -> set[str]:
    out = set()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            if ns.rstrip(":") in {k.split(":")[0] for k in NOT_WALKED}:
                continue
            out |= _names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            out.add(prefix + p.name)
    return out


# The JSON API, with a bearer token of each role (anon: none). Bodies are the smallest valid ones.
API_MATRIX: list[tuple[str, str, Callable[[SimpleNamespace], dict[str, object] | None], list[int]]] = []


def api_row(
    method: str, path: str, body: Callable[[SimpleNamespace], dict[str, object] | None], statuses: list[int]
) -> None:
    assert len(statuses) == len(ROLES), path
    API_MATRIX.append((method, path, body, statuses))


def none(w: SimpleNamespace) -> None:
    return None


def _later(hours: float) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def _activity_body(w: SimpleNamespace) -> dict[str, object]:
    return {
        "community_id": w.A.pk,
        "place_id": w.A1.pk,
        "kind_id": w.activity.kind_id,
        "title": "x",
        "starts_at": _later(5),
        "ends_at": _later(6),
        "capacity": 5,
    }


def _attendance_body(w: SimpleNamespace) -> dict[str, object]:
    return {"member_id": w.m_u_a.pk, "checkin_at": _later(-2), "checkout_at": _later(-1), "reason": "x"}


def _log_body(w: SimpleNamespace) -> dict[str, object]:
    return {"starts_at": _later(-2), "ends_at": _later(-1), "content": "x"}


# fmt: off
#                                                                                 anon nob  city dist strt comm cmpd unit memb resd root
api_row("POST", "/auth/token", lambda w: {"username": "x", "password": "y"},     [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401])
api_row("GET", "/me", none,                                                       [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
api_row("GET", "/places", none,                                                   [401, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
api_row("GET", "/units", none,                                                    [401, 403, 200, 200, 200, 200, 200, 200, 403, 403, 200])
api_row("GET", "/members", none,                                                  [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
api_row("GET", "/reporting/certificate/not-a-token", none,                        [400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400])
api_row("POST", "/reporting/reports", lambda w: {"residence_id": w.A1.pk},        [401, 403, 403, 403, 403, 403, 403, 403, 400, 403, 403])
api_row("GET", "/reporting/status", none,                                         [401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
api_row("GET", "/reporting/pending", none,                                        [401, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
api_row("POST", "/reporting/confirm", lambda w: {"ids": [w.report.pk + 1000]},    [401, 403, 404, 404, 404, 404, 403, 403, 403, 403, 404])
api_row("POST", "/reporting/reports/{report}/return", lambda w: {"reason": ""},   [401, 404, 400, 400, 400, 400, 403, 403, 403, 404, 400])
api_row("POST", "/reporting/members/{member}/leave", lambda w: {"unit_code": "NONE"},
                                                                                  [401, 404, 400, 400, 400, 400, 403, 400, 403, 404, 400])
api_row("GET", "/needs/figures", none,                                            [401, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
api_row("POST", "/needs/demands", lambda w: {"title": "x", "category_id": 1, "place_id": w.B1.pk},[401, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403])
api_row("GET", "/needs/demands/mine", none,                                       [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
api_row("GET", "/needs/demands", none,                                            [401, 403, 200, 200, 200, 200, 200, 403, 403, 403, 200])
api_row("GET", "/needs/demands/{demand}", none,                                   [401, 404, 200, 200, 200, 200, 200, 404, 404, 200, 200])
api_row("POST", "/needs/demands/{published}/follow", none,                             [401, 404, 403, 403, 403, 403, 403, 403, 403, 400, 403])
api_row("POST", "/needs/demands/{demand}/accept", none,                           [401, 404, 403, 403, 403, 403, 403, 404, 404, 400, 403])
api_row("POST", "/needs/demands/{demand}/reopen", lambda w: {"comment": "x"},     [401, 404, 403, 403, 403, 403, 403, 404, 404, 400, 403])
api_row("POST", "/needs/demands/{demand}/rating", lambda w: {"stars": 5},         [401, 404, 403, 403, 403, 403, 403, 404, 404, 400, 403])
api_row("POST", "/needs/demands/{demand}/review", lambda w: {"decision": "reject"},[401, 404, 400, 400, 400, 400, 400, 404, 404, 404, 400])
api_row("GET", "/needs/demands/{demand}/similar", none,                           [401, 404, 200, 200, 200, 200, 200, 404, 404, 404, 200])
api_row("GET", "/needs/items/{item}/suggestions", none,                           [401, 404, 200, 200, 200, 200, 200, 404, 404, 404, 200])
api_row("POST", "/needs/items/{item}/dispatch", lambda w: {"party": "unit", "party_id": w.V.pk},[401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
api_row("POST", "/needs/items/{item}/close", none,                                [401, 404, 403, 403, 403, 400, 403, 404, 404, 404, 400])
api_row("GET", "/needs/items", none,                                              [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
api_row("GET", "/needs/items/{item}", none,                                       [401, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200])
api_row("POST", "/needs/items/{item}/claim", none,                                [401, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403])
api_row("POST", "/needs/items/{item}/withdraw", lambda w: {"reason": "x"},        [401, 404, 409, 409, 409, 409, 409, 409, 409, 409, 409])
api_row("POST", "/needs/items/{item}/done", lambda w: {"note": "x"},              [401, 404, 409, 409, 409, 409, 409, 409, 409, 409, 409])
api_row("POST", "/needs/items/{item}/log", _log_body,                             [401, 404, 409, 409, 409, 409, 409, 409, 409, 409, 409])
api_row("POST", "/needs/items/{item}/start", none,                                [401, 404, 409, 409, 409, 409, 409, 409, 409, 409, 409])
api_row("POST", "/needs/items/{item}/contact", none,                              [401, 404, 409, 409, 409, 409, 409, 409, 409, 409, 409])
api_row("GET", "/records/activities", none,                                       [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200])
api_row("POST", "/records/activities", lambda w: _activity_body(w),               [401, 403, 201, 201, 201, 201, 201, 201, 403, 403, 201])
api_row("POST", "/records/activities/{activity}/signup", none,                    [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
api_row("POST", "/records/activities/{activity}/cancel", none,                    [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
api_row("GET", "/records/activities/{activity}/code", none,                       [401, 404, 200, 200, 200, 200, 403, 403, 403, 403, 200])
api_row("POST", "/records/activities/{activity}/attendance", lambda w: _attendance_body(w),
                                                                                  [401, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403])
api_row("POST", "/records/checkin", lambda w: {"code": "x"},                      [401, 403, 403, 403, 403, 403, 403, 403, 400, 403, 403])
api_row("POST", "/records/checkout", lambda w: {"code": "x"},                     [401, 403, 403, 403, 403, 403, 403, 403, 400, 403, 403])
api_row("GET", "/records/mine", none,                                             [401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
api_row("POST", "/records/mine", lambda w: _log_body(w),                          [401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403])
api_row("GET", "/records/progress", none,                                         [401, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403])
api_row("GET", "/records/pending", none,                                          [401, 403, 403, 403, 403, 200, 403, 403, 403, 403, 200])
api_row("POST", "/records/confirm", lambda w: {"ids": [999999]},                  [401, 403, 403, 403, 403, 404, 403, 403, 403, 403, 404])
api_row("POST", "/records/999999/return", lambda w: {"reason": "x"},              [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
api_row("POST", "/records/999999/correct", lambda w: {"starts_at": _later(-3), "ends_at": _later(-2), "content": "x"},
                                                                                  [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
api_row("POST", "/records/callups", lambda w: {"community_id": w.A.pk, "title": "x", "address": "y", "starts_at": _later(1), "ends_at": _later(2), "needed": 3},
                                                                                  [401, 403, 201, 201, 201, 201, 403, 403, 403, 403, 201])
api_row("POST", "/records/callups/999999/answer", lambda w: {"coming": True},     [401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404])
api_row("GET", "/records/behind", none,                                           [401, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
api_row("GET", "/stats/records", none,                                            [401, 403, 200, 200, 200, 200, 403, 403, 403, 403, 200])
api_row("GET", "/stats/ranking", none,                                            [401, 403, 404, 404, 404, 404, 403, 403, 403, 403, 404])
# fmt: on


def test_every_api_operation_has_a_row() -> None:
    from baodao.api.urls import api

    operations = {
        (method, "/" + path.strip("/") if path.strip("/") else "/")
        for prefix, router in api._routers
        for route, view in router.path_operations.items()
        for op in view.operations
        for method in op.methods
        for path in [f"{prefix}/{route}".replace("//", "/")]
    }
    listed = {(m, p.replace("{report}", "{report_id}").replace("{member}", "{member_id}")) for m, p, *_r in API_MATRIX}
    listed = {(m, p.replace("/not-a-token", "/{token}")) for m, p in listed}
    listed = {
        (m, p.replace("{demand}", "{demand_id}").replace("{published}", "{demand_id}").replace("{item}", "{item_id}"))
        for m, p in listed
    }
    listed = {(m, p.replace("{activity}", "{activity_id}").replace("/999999/", "/{record_id}/")) for m, p in listed}
    listed = {(m, p.replace("/callups/{record_id}/", "/callups/{callup_id}/")) for m, p in listed}
    assert operations == listed


@pytest.mark.parametrize("role", ROLES)
def test_api_permission_matrix(matrix_world: SimpleNamespace, role: str) -> None:
    from baodao.accounts.services import api_token_issue

    w = matrix_world
    user = {"anon": None, "nobody": w.nobody, "superuser": w.superuser}.get(role, w.role_users.get(role))
    headers = {} if user is None else {"Authorization": f"Bearer {api_token_issue(user=user)}"}
    got, want = {}, {}
    for method, path, body, statuses in API_MATRIX:
        url = "/api/v1" + path.format(
            report=w.report.pk,
            member=w.m_u_a.pk,
            demand=w.demand.pk,
            item=w.item.pk,
            published=w.item.pk,
            activity=w.activity.pk,
        )
        client = Client()
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, data=body(w), content_type="application/json", headers=headers)
        assert response["Content-Type"].startswith("application/json"), (path, response.status_code)
        got[f"{method} {path}"] = response.status_code
        want[f"{method} {path}"] = statuses[ROLES.index(role)]
    assert got == want


# What a page loads (not what it links to): <script src>, <link href>, <img src>, CSS url().
ASSET = re.compile(
    r"<(?:script|img|source|iframe)\b[^>]*\ssrc=[\"']([^\"']+)|<link\b[^>]*\shref=[\"']([^\"']+)|url\(([^)]+)\)"
)


def external_assets(html: str) -> list[str]:
    found = ("".join(groups).strip("\"' ") for groups in ASSET.findall(html))
    return [u for u in found if re.match(r"^(?:[a-z]+:)?//", u, re.IGNORECASE)]


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\s(on[a-z]+|style)\s*=", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """What the Content-Security-Policy would refuse: inline <script>, on…= handlers, style attributes."""
    return [m.group(0)[:80] for m in INLINE_SCRIPT.finditer(html)] + [m.group(0)[-40:] for m in HANDLER.finditer(html)]


def test_inline_code_is_found() -> None:
    html = '<script>alert(1)</script><script src="/static/a.js"></script><script type="application/json">{}</script>'
    html += '<input onclick="x()"><div style="color:red"><p data-style="ok" class="a">'
    assert len(inline_code(html)) == 3


def test_external_assets_are_found() -> None:
    html = '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/y.css">'
    html += (
        '<img src="/static/a.png"><a href="https://gov.example/">link</a><div style="background:url(http://x/i.png)">'
    )
    assert external_assets(html) == ["https://cdn.example/x.js", "//cdn.example/y.css", "http://x/i.png"]


def test_every_url_pattern_has_a_row() -> None:
    assert _names(get_resolver()) == {name for name, *_rest in MATRIX}


@keep("matrix_world")
def build_matrix_world(w: SimpleNamespace) -> SimpleNamespace:
    w.report = submit(w.m_u_a)  # pending at A
    w.unit_report = unit_submit(w.U, w.unit_secretary)  # submitted to A
    w.job = ImportJob.objects.create(user=w.community_staff, kind="members", status=ImportJob.Status.DONE)
    w.note = notify(user=w.member_user, title="测试消息", url="/")
    services.certificate_issue(member=w.m_u_b, by=w.unit_secretary)
    w.demand = needs_ask(w)
    w.spare = needs_ask(w, title="想学用智能手机")  # withdrawn by its resident's empty POST
    w.item = needs_ask(w, title="楼道灯不亮")
    needs_services.demand_accept(demand=w.item, by=w.community_staff, size="person", slots=1)
    w.activity = records_activity(w)
    return w


@pytest.fixture
def matrix_world(world: SimpleNamespace, teams: list) -> SimpleNamespace:
    return kept("matrix_world", world)


def clients_of(user: User | None) -> Callable[[], Client]:
    """New clients, each logged in as `user` with a session of its own (so what one row does to its
    session, a logout say, reaches no other): one login, and its session copied for each client —
    a login per row took a tenth of the matrix's time."""
    if user is None:
        return Client
    first = Client()
    first.force_login(user)
    data = dict(first.session.items())

    def client() -> Client:
        session = first.session.__class__()
        session.update(data)
        session.create()
        c = Client()
        c.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return c

    return client


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(matrix_world: SimpleNamespace, role: str) -> None:
    w = matrix_world
    user = {"anon": None, "nobody": w.nobody, "superuser": w.superuser}.get(role, w.role_users.get(role))
    got, want, outside, untitled, inline, no_policy = {}, {}, {}, [], {}, []
    new_client = clients_of(user)
    for name, method, args, statuses in MATRIX:
        client = new_client()
        url = reverse(name, args=args(w))
        response = client.get(url) if method == "GET" else client.post(url, {})
        key = f"{method} {url} ({name})"
        got[key] = response.status_code
        want[key] = statuses[ROLES.index(role)]
        if "Content-Security-Policy" not in response:
            no_policy.append(key)
        if response["Content-Type"].startswith("text/html") and not response.streaming:
            page = response.content.decode()
            outside[key] = external_assets(page)
            inline[key] = inline_code(page)
            title = re.search(r"<title>(.*?)</title>", page, re.S)
            whole = "<html" in page  # not an htmx fragment
            if whole and (title is None or not title.group(1).split("·")[0].strip()):
                untitled.append(key)
    assert got == want
    assert untitled == []  # every page says what it is in the browser tab
    # An intranet has no internet: no page loads a script, style, font or image from elsewhere.
    assert {k: v for k, v in outside.items() if v} == {}
    # Every response carries the policy, and no page of ours has what it refuses.
    assert no_policy == []
    assert {k: v for k, v in inline.items() if v} == {}


def test_actions_have_their_own_url_and_refuse_get(matrix_world: SimpleNamespace) -> None:
    """One URL per action: what is posted to is never a page too, so a GET is 405, and the detail
    pages take no POST at all (no `action=` dispatch)."""
    w = matrix_world
    client = Client()
    client.force_login(w.superuser)
    pages = {name for name, method, *_rest in MATRIX if method == "GET"}
    actions = {name: args for name, method, args, _s in MATRIX if method == "POST" and name not in pages}
    got = {name: client.get(reverse(name, args=args(w))).status_code for name, args in actions.items()}
    assert got == dict.fromkeys(actions, 405)
    detail_pages = {"directory:place_detail": w.A.pk, "directory:unit_detail": w.U.pk, "reporting:assign_list": None}
    posted = {n: client.post(reverse(n, args=[pk] if pk else []), {}).status_code for n, pk in detail_pages.items()}
    assert posted == dict.fromkeys(detail_pages, 405)


# --- every link a role is shown, followed --------------------------------------------------------


class _Links(HTMLParser):
    """Where a page sends its reader by GET: <a href>, hx-get, and each GET form submitted as it
    stands (its hidden and pre-filled fields, each select's chosen or first option)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.found.append(a["href"])
        if "hx-get" in a:
            self.found.append(a["hx-get"])
        if tag == "form" and a.get("method", "get").lower() == "get":
            self._form = (a.get("action", ""), [])
        elif tag == "input" and self._form is not None and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind not in ("checkbox", "radio", "submit", "file") or "checked" in a:
                self._form[1].append((a["name"], a.get("value", "")))
        elif tag == "select" and self._form is not None and a.get("name"):
            self._select = (a["name"], [], [])
        elif tag == "option" and self._select is not None:
            self._select[2 if "selected" in a else 1].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, chosen = self._select
            if chosen or options:
                self._form[1].append((name, (chosen or options)[0]))
            self._select = None
        elif tag == "form" and self._form is not None:
            action, fields = self._form
            self.found.append(
                action + ("?" + urlencode(fields) if fields else "") if action else "?" + urlencode(fields)
            )
            self._form = None


def page_links(html: str, base: str) -> list[str]:
    """The same-site GET links of a page, absolute paths with their query (no fragment)."""
    parser = _Links()
    parser.feed(html)
    out = []
    for raw in parser.found:
        url = urljoin(base, raw.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
            continue  # another site, mailto:, tel:
        if parts.path.startswith(("/static/", "/media/", "/admin/")):
            continue  # files, and Django's own admin (superusers only, not our pages)
        out.append(parts.path + ("?" + parts.query if parts.query else ""))
    return out


def test_page_links_are_found() -> None:
    html = (
        '<a href="/a/?x=1&amp;y=2#top">a</a><a href="https://gov.example/">gov</a><a href="mailto:x@y">m</a>'
        '<div hx-get="/b/"></div><a href="/static/x.css">s</a>'
        '<form method="get"><input type="hidden" name="place" value="3"><select name="year">'
        '<option value="2024">2024</option><option value="2025" selected>2025</option></select>'
        '<button type="submit">go</button></form><form method="post" action="/c/"></form>'
    )
    assert page_links(html, "/here/") == ["/a/?x=1&y=2", "/b/", "/here/?place=3&year=2025"]


# How many pages of one URL pattern the walk reads links from (a list links many of one kind).
PAGES_PER_PATTERN = 3


def walk_links(client: Client, start: list[str], *, public_links: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Follow every same-site GET link from the `start` pages, breadth first, reading the links of
    up to PAGES_PER_PATTERN pages of each URL pattern. Returns (link -> what is wrong with it,
    page -> its body class) for every whole HTML page read. A public page (the bulletin, a poster)
    is one page for everyone, which never reads the session: its links are for the visitor without
    an account, and are read only when `public_links` (the anonymous walk)."""
    seen: set[str] = set(start)
    queue: list[tuple[str, str]] = [(url, "") for url in start]
    read: dict[str, int] = {}
    wrong: dict[str, str] = {}
    layout: dict[str, str] = {}
    while queue:
        url, found_on = queue.pop(0)
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            wrong[url] = f"no such page (linked from {found_on})"
            continue
        response = client.get(url)
        if response.status_code in (403, 404):
            wrong[url] = f"{response.status_code} (linked from {found_on})"
            continue
        if response.status_code != 200 or response.streaming:
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        page = response.content.decode()
        body = re.search(r"<body class=\"([^\"]*)\"", page)
        if body is not None:
            layout[url] = body.group(1)
        name = match.view_name
        if read.get(name, 0) >= PAGES_PER_PATTERN or (not public_links and "public" in layout.get(url, "")):
            continue
        read[name] = read.get(name, 0) + 1
        for link in page_links(page, url):
            if link not in seen:
                seen.add(link)
                queue.append((link, url))
    return wrong, layout


STAFF_ROLES = {
    "city_admin",
    "district_admin",
    "street_admin",
    "community_staff",
    "compound_secretary",
    "unit_secretary",
    "superuser",
}


@keep("link_world", needs=("matrix_world",))
def build_link_world(w: SimpleNamespace) -> SimpleNamespace:
    """The matrix's world walked further along the spine, so pages show the links they show once
    there is something on them: a confirmed member who claimed, did and had accepted an item, a
    logged record waiting, a volunteer team he leads, a call-up and a pairing."""
    from baodao.records import services as records_services
    from baodao.reporting.tests.conftest import confirm, team_types

    now = timezone.now()
    confirm(w.report, w.community_staff)
    claim = needs_services.item_claim(demand=w.item, party=w.m_u_a, by=w.member_user)
    needs_services.item_done(claim=claim, by=w.member_user, note="修好了")
    needs_services.demand_resident_accept(demand=w.item, by=w.resident_user)
    records_services.record_log(
        member=w.m_u_a,
        community=w.A,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now - dt.timedelta(hours=2),
        content="楼道清扫",
        by=w.member_user,
    )
    records_services.team_create(community=w.A, kind=team_types()[0], name="", leader=w.m_u_a, by=w.community_staff)
    records_services.callup_create(
        community=w.A,
        title="防汛",
        address="社区门口",
        starts_at=now + dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
        needed=3,
        by=w.community_staff,
    )
    records_services.pairing_create(member=w.m_u_a, resident=w.r_a1, need="陪同就医", by=w.community_staff)
    return w


@pytest.fixture
def link_world(matrix_world: SimpleNamespace, teams: list) -> SimpleNamespace:
    return kept("link_world", matrix_world)


@pytest.mark.parametrize("role", ROLES)
def test_no_link_leads_to_a_refusal(link_world: SimpleNamespace, role: str) -> None:
    """Every link on every page a role may open (and on the pages those lead to) is one the role
    may follow: no 没有权限 (403), no link to something it may not see or that is not there (404).
    And a staff role reads every page in the staff layout (its menu, wide tables)."""
    w = link_world
    user = {"anon": None, "nobody": w.nobody, "superuser": w.superuser}.get(role, w.role_users.get(role))
    client = Client()
    if user is not None:
        client.force_login(user)
    i = ROLES.index(role)
    start = [
        reverse(name, args=args(w)) for name, method, args, statuses in MATRIX if method == "GET" and statuses[i] == 200
    ]
    wrong, layout = walk_links(client, start, public_links=user is None)
    # A staff role never meets the phone layout (its menu gone, its tables squeezed), public pages
    # aside; and no one else meets the staff layout (a menu of pages they may not open).
    wanted = "staff" if role in STAFF_ROLES else "mobile"
    astray = {url: body for url, body in layout.items() if wanted not in body.split() and "public" not in body}
    report = [f"{url}: {why}" for url, why in wrong.items()] + [
        f"{url}: in the {b!r} layout" for url, b in astray.items()
    ]
    assert report == [], "\n".join(report)
