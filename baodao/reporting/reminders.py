"""Daily reminders about real obligations of 双报到 (DOMAIN.md §5: no nagging beyond them).

- a member whose open report certificate is about to expire (rule report_deadline_warning_days)
  is reminded every day of the window; once it has expired, once (the unit takes over from there).
  A member who has no account yet (most of those who never opened the certificate) gets the same
  reminders by SMS to the roster mobile, with the certificate's link;
- a unit secretary gets one message a day with the number of the unit's overdue members;
- a unit secretary gets one message a day with the number of self-reports waiting for the unit's
  approval longer than the rule report_confirm_reminder_days (the community staff's rule);
- community staff get one message a day with the number of member reports waiting for their
  confirmation longer than the rule report_confirm_reminder_days.

Every message links to the page where its reader acts (the member's own report page, the unit's
ledger, the community's pending reports) and has a dedupe key with the date, so a second run on
the same day sends nothing (the member's overdue message: once for good).
Counts are grouped in the database; the rules are read once per city, not once per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baodao.accounts.models import User
from baodao.core.rules import get_rule_int
from baodao.directory.models import Place, Unit
from baodao.notifications.selectors import community_staff, member_users, unit_secretaries
from baodao.notifications.services import notify, text_message_send
from baodao.reporting.models import Certificate, MemberReport, MobileChangeRequest
from baodao.reporting.selectors import LedgerStatus
from baodao.reporting.services import certificate_token

NOTHING = Q(pk__in=[])


def _cn(d: dt.date) -> str:
    return _("%(m)d月%(d)d日") % {"m": d.month, "d": d.day}


def _cities_of(community_ids: set[int]) -> dict[int, Place | None]:
    """The city of each community (nearest city ancestor, as directory.selectors.city_of), in two queries."""
    communities = list(Place.objects.filter(pk__in=community_ids).only("path"))
    ancestor_ids = {a for c in communities for a in c.ancestor_ids()}
    cities = {p.pk: p for p in Place.objects.filter(pk__in=ancestor_ids, kind=Place.Kind.CITY)}
    out: dict[int, Place | None] = {}
    for c in communities:
        # ancestor_ids run from the root down: the last city found is the nearest.
        found = [cities[a] for a in c.ancestor_ids() if a in cities]
        out[c.pk] = found[-1] if found else None
    return out


def _rule_by_community(community_ids: set[int], rule: str) -> dict[int, int]:
    """The value of `rule` for each community's city (rules are read once per city)."""
    per_city: dict[int | None, int] = {}
    out: dict[int, int] = {}
    for community_id, city in _cities_of(community_ids).items():
        key = city.pk if city else None
        if key not in per_city:
            per_city[key] = get_rule_int(rule, city=city)
        out[community_id] = per_city[key]
    return out


def _per_days_q(days_by_community: dict[int, int], q_for_days: Callable[[int], Q]) -> Q:
    """OR of `community in (…) AND q_for_days(days)`, one term per distinct value of the rule."""
    by_days: dict[int, list[int]] = defaultdict(list)
    for community_id, days in days_by_community.items():
        by_days[days].append(community_id)
    q = NOTHING
    for days, ids in by_days.items():
        q |= Q(community_id__in=ids) & q_for_days(days)
    return q


def _open_certificates() -> QuerySet[Certificate]:
    # An open certificate of a member who has reported anyway (self-report) is no obligation.
    return Certificate.objects.filter(status=Certificate.Status.ISSUED).exclude(
        member__reports__status__in=MemberReport.ACTIVE
    )


def remind_members(*, today: dt.date) -> int:
    """Members with an open certificate whose deadline is near or past, and who have an account."""
    certs = _open_certificates().filter(member__user__isnull=False, member__user__is_active=True)
    community_ids = set(certs.order_by().values_list("community_id", flat=True).distinct())
    window = _per_days_q(
        _rule_by_community(community_ids, "report_deadline_warning_days"),
        lambda days: Q(deadline__lte=today + dt.timedelta(days=days)),
    )
    # The member's own page, not the certificate's link: messages also go out by outside channels,
    # and the page shows the open certificate's link to a logged-in member.
    my_report = reverse("reporting:my_report")
    due = certs.filter(window)
    accounts = member_users(due.values("member_id"))
    sent = 0
    for cert in due.select_related("member", "community").order_by("deadline", "pk"):
        for user in accounts[cert.member_id]:
            sent += _tell_member(cert, user, today=today, url=my_report)
    return sent


def _tell_member(cert: Certificate, user: User, *, today: dt.date, url: str) -> bool:
    if cert.deadline >= today:
        return bool(
            notify(
                user=user,
                title=_("报到提醒：请于%(d)s前完成社区报到") % {"d": _cn(cert.deadline)},
                body=_(
                    "您的报到证（编号 %(n)s）报到期限为%(d)s。请扫描报到证上的二维码，"
                    "到%(c)s完成报到：确认居住地、选择特长和服务意愿、签署服务承诺书。"
                )
                % {"n": cert.number, "d": _cn(cert.deadline), "c": cert.community.name},
                url=url,
                dedupe_key=f"remind:member-deadline:{cert.pk}:{today.isoformat()}",
            )
        )
    # Once per certificate: after the deadline the unit secretary follows up (daily count).
    return bool(
        notify(
            user=user,
            title=_("报到已逾期"),
            body=_("您的报到证（编号 %(n)s）报到期限%(d)s已过，请联系单位党组织重新申领报到证。")
            % {"n": cert.number, "d": _cn(cert.deadline)},
            url=url,
            dedupe_key=f"remind:member-overdue:{cert.pk}",
        )
    )


def remind_members_without_account(*, today: dt.date) -> int:
    """The same reminders as remind_members, by SMS to the roster mobile of members with no account.

    There is no inbox to link to: the near-deadline text carries the certificate's own link (the
    QR code's), where the member opens the account and reports. The overdue text has no link, the
    certificate no longer works; the unit secretary is told of the member the same day.
    """
    certs = _open_certificates().filter(member__user__isnull=True)
    community_ids = set(certs.order_by().values_list("community_id", flat=True).distinct())
    window = _per_days_q(
        _rule_by_community(community_ids, "report_deadline_warning_days"),
        lambda days: Q(deadline__lte=today + dt.timedelta(days=days)),
    )
    sent = 0
    for cert in certs.filter(window).select_related("member", "community").order_by("deadline", "pk"):
        if cert.deadline >= today:
            link = settings.SITE_URL + reverse("reporting:register", args=[certificate_token(cert)])
            text = _("报到提醒：请于%(d)s前到%(c)s完成报到，打开链接开通账号并报到：%(u)s") % {
                "d": _cn(cert.deadline),
                "c": cert.community.name,
                "u": link,
            }
            key = f"remind:member-sms-deadline:{cert.pk}:{today.isoformat()}"
        else:
            text = _("报到已逾期：您的报到证（编号 %(n)s）报到期限%(d)s已过，请联系单位党组织重新申领报到证。") % {
                "n": cert.number,
                "d": _cn(cert.deadline),
            }
            key = f"remind:member-sms-overdue:{cert.pk}"
        sent += bool(text_message_send(mobile=cert.member.mobile, text=text, dedupe_key=key))
    return sent


def remind_unit_secretaries(*, today: dt.date) -> int:
    """One message a day to each secretary of a unit with members past their deadline."""
    counts = dict(
        _open_certificates()
        .filter(deadline__lt=today)
        .values("unit_id")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("unit_id", "n")
    )
    if not counts:
        return 0
    units = Unit.objects.in_bulk(list(counts))
    ledger = f"{reverse('reporting:ledger')}?status={LedgerStatus.OVERDUE}"
    sent = 0
    for unit_id, users in unit_secretaries(list(counts)).items():
        n = counts[unit_id]
        for user in users:
            sent += bool(
                notify(
                    user=user,
                    title=_("%(n)d名党员报到已逾期") % {"n": n},
                    body=_("%(u)s有%(n)d名在职党员超过报到期限仍未报到，请督促报到或重新签发报到证。")
                    % {"u": units[unit_id].name, "n": n},
                    url=ledger,
                    dedupe_key=f"remind:unit-overdue:{unit_id}:{today.isoformat()}",
                )
            )
    return sent


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def remind_community_staff(*, today: dt.date) -> int:
    """One message a day to the staff of each community with reports waiting too long.

    A report waits "more than N days" when it was submitted before the start of day today - N.
    """
    pending = MemberReport.objects.filter(status=MemberReport.Status.PENDING)
    community_ids = set(pending.order_by().values_list("community_id", flat=True).distinct())
    if not community_ids:
        return 0
    days_by_community = _rule_by_community(community_ids, "report_confirm_reminder_days")
    overdue = _per_days_q(
        days_by_community, lambda days: Q(submitted_at__lt=_start_of(today - dt.timedelta(days=days)))
    )
    counts = dict(
        pending.filter(overdue).values("community_id").annotate(n=Count("id")).values_list("community_id", "n")
    )
    if not counts:
        return 0
    communities = Place.objects.in_bulk(list(counts))
    pending_page = reverse("reporting:pending")
    sent = 0
    for place_id, users in community_staff(list(counts)).items():
        n = counts[place_id]
        for user in users:
            sent += bool(
                notify(
                    user=user,
                    title=_("%(n)d份党员报到待确认") % {"n": n},
                    body=_("%(c)s有%(n)d名党员提交报到已超过%(days)d天仍未确认，请及时确认或退回。")
                    % {"c": communities[place_id].name, "n": n, "days": days_by_community[place_id]},
                    url=f"{pending_page}?community={place_id}",
                    dedupe_key=f"remind:community-pending:{place_id}:{today.isoformat()}",
                )
            )
    return sent


def remind_unit_approvals(*, today: dt.date) -> int:
    """One message a day to each secretary of a unit with self-reports, or requests to self-report
    with a changed mobile, waiting for its approval.

    The wait is measured as for community staff (report_confirm_reminder_days of the city of the
    community reported to): the unit's approval is the same kind of step, before the community's.
    """
    waiting = MemberReport.objects.filter(status=MemberReport.Status.UNIT_APPROVAL)
    requests = MobileChangeRequest.objects.filter(status=MobileChangeRequest.Status.PENDING)
    community_ids = set(waiting.order_by().values_list("community_id", flat=True).distinct())
    community_ids |= set(requests.order_by().values_list("community_id", flat=True).distinct())
    if not community_ids:
        return 0
    days_by_community = _rule_by_community(community_ids, "report_confirm_reminder_days")

    def older_than(field: str) -> Q:
        return _per_days_q(
            days_by_community, lambda days: Q(**{f"{field}__lt": _start_of(today - dt.timedelta(days=days))})
        )

    reports: dict[int, int] = defaultdict(int)
    asks: dict[int, int] = defaultdict(int)
    days_by_unit: dict[int, int] = {}
    tallies = (
        (reports, waiting.filter(older_than("submitted_at")), "unit_id"),
        (asks, requests.filter(older_than("created_at")), "member__unit_id"),
    )
    for counts, qs, unit_field in tallies:
        rows = qs.values(unit_field, "community_id").annotate(n=Count("id"))
        for unit_id, community_id, n in rows.values_list(unit_field, "community_id", "n"):
            counts[unit_id] += n
            days = days_by_community[community_id]
            days_by_unit[unit_id] = min(days, days_by_unit.get(unit_id, days))
    if not days_by_unit:
        return 0
    units = Unit.objects.in_bulk(list(days_by_unit))
    sent = 0
    for unit_id, user in ((u, user) for u, users in unit_secretaries(list(days_by_unit)).items() for user in users):
        n, m = reports[unit_id], asks[unit_id]
        facts = {"u": units[unit_id].name, "n": n, "m": m, "days": days_by_unit[unit_id]}
        if not m:
            title = _("%(n)d份自主报到待单位审核") % facts
            body = _("%(u)s有%(n)d名党员扫码自主报到已超过%(days)d天仍待单位审核，请在报到台账中审核通过或退回。")
            url = f"{reverse('reporting:ledger')}?status={LedgerStatus.UNIT_APPROVAL}"
        else:
            title = _("%(k)d项自主报到事项待单位审核") % {"k": n + m}
            body = _(
                "%(u)s有%(n)d名党员扫码自主报到、%(m)d名党员以新手机号报到的申请已超过%(days)d天仍待单位审核，"
                "请在报到台账中处理。"
            )
            url = reverse("reporting:ledger")
        sent += bool(
            notify(
                user=user,
                title=title,
                body=body % facts,
                url=url,
                dedupe_key=f"remind:unit-approval:{unit_id}:{today.isoformat()}",
            )
        )
    return sent


# The daily reminders of the apps above this one (needs, records...), registered in their
# AppConfig.ready(): each takes the day and returns how many messages of each kind it sent.
DAILY: list[Callable[[dt.date], dict[str, int]]] = []


def register_daily(fn: Callable[[dt.date], dict[str, int]]) -> None:
    if fn not in DAILY:
        DAILY.append(fn)


def send_reminders(*, today: dt.date) -> dict[str, int]:
    """Run every reminder for `today`; returns how many messages of each kind were sent."""
    counts = {
        "members": remind_members(today=today),
        "members_by_sms": remind_members_without_account(today=today),
        "unit_secretaries": remind_unit_secretaries(today=today),
        "unit_approvals": remind_unit_approvals(today=today),
        "community_staff": remind_community_staff(today=today),
    }
    for fn in DAILY:
        counts.update(fn(today))
    return counts
