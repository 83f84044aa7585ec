"""Printable documents of 双报到: report certificates (报到证), the co-building agreement (共建协议),
the bulletin poster (公示海报) and the self-report poster (扫码报到海报). Each returns PDF bytes;
views decide how to send them.

Certificates are what a member takes home; they carry names, the unit, the residence compound and a
QR code of a signed link, never an ID number, a mobile or a room number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from baodao.core import pdf, rules
from baodao.core.pdf import CONTENT_WIDTH, cn_date, para, qr_box
from baodao.directory.models import PartyOrg
from baodao.directory.selectors import city_of
from baodao.reporting.models import Certificate, UnitReport


def _kv_table(rows: Sequence[tuple[str, str]], label_width: float = 32 * mm) -> Table:
    table = Table(
        [[para(k, "label"), para(v, "cell")] for k, v in rows],
        colWidths=[label_width, CONTENT_WIDTH - label_width],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, pdf.LINE),
                ("BACKGROUND", (0, 0), (0, -1), "#f5f6f7"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _frame(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    """A double red frame around the page, as on the paper certificates."""
    w, h = doc.pagesize
    canvas.saveState()
    canvas.setStrokeColor(pdf.RED)
    canvas.setLineWidth(2)
    canvas.rect(10 * mm, 10 * mm, w - 20 * mm, h - 20 * mm)
    canvas.setLineWidth(0.6)
    canvas.rect(12 * mm, 12 * mm, w - 24 * mm, h - 24 * mm)
    canvas.restoreState()


def _root_org(org: PartyOrg) -> PartyOrg:
    # The issuing organization is the top of the member's branch chain (党委 / 党总支 of the unit).
    while org.parent_id is not None and org.parent is not None:
        org = org.parent
    return org


# --- 报到证 ---------------------------------------------------------------------------------------


def _load_certificates(certificates: Sequence[Certificate]) -> list[Certificate]:
    """The same certificates with everything the page prints, in one query, in the given order."""
    ids = [c.pk for c in certificates]
    rows = Certificate.objects.select_related(
        "member__residence__parent",
        "member__party_org__parent__parent",
        "unit",
        "community",
    ).in_bulk(ids)
    return [rows[pk] for pk in ids]


def _certificate_page(cert: Certificate, url: str) -> list[Flowable]:
    member = cert.member
    deadline = cn_date(cert.deadline)
    issuer = _root_org(member.party_org).name
    story: list[Flowable] = [
        para(_("编号：%(n)s") % {"n": cert.number}, "right"),
        Spacer(1, 6 * mm),
        para(_("在职党员到居住地社区报到证"), "title"),
        Spacer(1, 4 * mm),
        para(_("%(c)s党组织：") % {"c": cert.community.name}),
        para(
            _(
                "兹有我单位在职党员%(name)s同志，居住在%(res)s，属你社区。现按照“双报到”工作要求到你社区报到，"
                "请予接收，并安排参加社区志愿服务和活动。"
            )
            % {"name": member.name, "res": member.residence.residence_label},
            "body",
        ),
        Spacer(1, 4 * mm),
        _kv_table(
            [
                (_("姓名"), member.name),
                (_("工作单位"), cert.unit.name),
                (_("所在党组织"), member.party_org.name),
                (_("居住社区"), cert.community.name),
                (_("居住小区/楼栋"), member.residence.residence_label),
                (_("报到期限"), _("%(d)s前") % {"d": deadline}),
            ]
        ),
        Spacer(1, 12 * mm),
        para(_("%(org)s（盖章）") % {"org": issuer}, "right"),
        para(_("签发日期：%(d)s") % {"d": cn_date(cert.issued_at)}, "right"),
        Spacer(1, 18 * mm),
    ]
    instructions = [
        para(_("扫描二维码，在手机上完成报到："), "cell"),
        para(_("1. 确认居住地（小区、楼栋）；"), "cell"),
        para(_("2. 选择兴趣特长和服务意愿；"), "cell"),
        para(_("3. 阅读并签署服务承诺书，提交社区确认。"), "cell"),
        Spacer(1, 2 * mm),
        para(_("请于%(d)s前完成报到，逾期请向单位党组织重新申领。本证仅限本人使用。") % {"d": deadline}, "small"),
    ]
    story.append(qr_box(url, instructions, qr_size=46 * mm))
    return story


def certificates_pdf(certificates: Sequence[Certificate], url_for: Callable[[Certificate], str]) -> bytes:
    """One A4 page per certificate, in the given order. `url_for(cert)` is the absolute link with
    the signed token that the page's QR code carries."""
    certs = _load_certificates(certificates)
    story: list[Flowable] = []
    for i, cert in enumerate(certs):
        if i:
            story.append(PageBreak())
        story.extend(_certificate_page(cert, url_for(cert)))
    if not story:
        raise ValueError("no certificates to print")
    return pdf.build_pdf(story, title=_("在职党员到居住地社区报到证"), on_page=_frame)


# --- 共建协议 -------------------------------------------------------------------------------------


def _lines(text: str, style: str = "body") -> list[Flowable]:
    """One paragraph per non-empty line (each indented like the first)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [para(line, style) for line in lines] or [para(_("（无）"), style)]


def _tags_line(label: str, tags: Sequence[str]) -> list[Flowable]:
    return [para(_("%(l)s：%(t)s") % {"l": label, "t": "、".join(tags)}, "label")] if tags else []


def agreement_pdf(report: UnitReport) -> bytes:
    """The co-building agreement of a confirmed unit report, with both signatories' names.

    An agreement that was confirmed and later ended (the unit was re-assigned) still prints, marked
    as ended: it is part of the record.
    """
    report = (
        UnitReport.objects.select_related("unit", "community", "community__parent")
        .prefetch_related("resource_tags", "demand_tags")
        .get(pk=report.pk)
    )
    if report.status not in (UnitReport.Status.CONFIRMED, UnitReport.Status.ENDED) or not report.community_signatory:
        raise ValueError("only a confirmed unit report has a signed agreement")
    unit, community = report.unit, report.community
    orgs = list(PartyOrg.objects.filter(unit=unit, parent__isnull=True).order_by("id"))
    unit_org = orgs[0].name if orgs else unit.name
    city = city_of(community)

    def rule(key: str) -> int:
        return rules.get_rule_int(key, city=city)

    story: list[Flowable] = [
        para(_("共建协议书"), "title"),
        para(_("%(u)s 与 %(c)s") % {"u": unit.name, "c": community.name}, "subtitle"),
        Spacer(1, 6 * mm),
        _kv_table(
            [
                (_("甲方（社区）"), _("%(c)s党组织") % {"c": community.name}),
                (_("乙方（单位）"), f"{unit.name} · {unit_org}"),
                (_("报到日期"), cn_date(report.report_date)),
            ]
        ),
        Spacer(1, 3 * mm),
        para(
            _(
                "为深入推进机关企事业单位党组织和在职党员到社区“双报到”工作，实现资源共享、优势互补、"
                "共驻共建，经甲乙双方协商，签订本协议。"
            ),
            "body",
        ),
        para(_("一、单位资源清单"), "heading"),
        *_lines(report.unit_resources),
        *_tags_line(_("资源类别"), [t.name for t in report.resource_tags.all()]),
        para(_("二、社区需求清单"), "heading"),
        *_lines(report.community_demands),
        *_tags_line(_("需求类别"), [t.name for t in report.demand_tags.all()]),
        para(_("三、加入社区大党委"), "heading"),
        para(
            _(
                "乙方党组织加入%(c)s大党委，作为成员单位参加大党委会议和联席会议，"
                "与社区共商社区事务、共办民生实事、共享阵地资源。"
            )
            % {"c": community.name}
            if report.joins_big_committee
            else _("乙方党组织暂不加入社区大党委，按本协议与社区开展共建。"),
            "body",
        ),
        para(_("四、共建责任"), "heading"),
        para(
            _("1. 乙方每年为社区办实事不少于%(n)d件，一事一议，办结销号。")
            % {"n": rule("unit_min_projects_per_community_per_year")},
            "body",
        ),
        para(
            _("2. 乙方党组织书记每年到社区讲党课不少于%(n)d次；乙方联系社区工作队每周到小区工作不少于%(w)d次。")
            % {"n": rule("unit_min_party_lectures_per_year"), "w": rule("work_team_visits_per_week")},
            "body",
        ),
        para(
            _("3. 乙方在职党员到居住地社区报到，每年参加社区活动不少于%(a)d次、累计服务不少于%(h)d小时。")
            % {"a": rule("member_min_activities_per_year"), "h": rule("member_min_hours_per_year")},
            "body",
        ),
        para(
            _("4. 甲方及时更新并提供社区需求清单，为乙方及其党员参加社区服务提供便利，逐次记录、确认服务情况。"),
            "body",
        ),
        para(_("五、其他"), "heading"),
        para(_("本协议自双方签字之日起生效；包保联系关系调整时，本协议随之终止。"), "body"),
    ]
    if report.status == UnitReport.Status.ENDED:
        story.append(para(_("（本协议已于%(d)s终止）") % {"d": cn_date(report.ended_at)}, "label"))
    sign = Table(
        [
            [
                para(_("甲方：%(c)s党组织（盖章）") % {"c": community.name}),
                para(_("乙方：%(o)s（盖章）") % {"o": unit_org}),
            ],
            [
                para(_("社区党组织书记（签字）：%(n)s") % {"n": report.community_signatory}),
                para(_("单位党组织书记（签字）：%(n)s") % {"n": report.unit_signatory}),
            ],
            [
                para(_("确认日期：%(d)s") % {"d": cn_date(report.decided_at)}),
                para(_("报到日期：%(d)s") % {"d": cn_date(report.report_date)}),
            ],
        ],
        colWidths=[CONTENT_WIDTH / 2] * 2,
    )
    sign.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 4 * mm), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 8 * mm), KeepTogether([sign])]
    return pdf.build_pdf(story, title=_("共建协议书"))


def self_report_poster_pdf(*, community_name: str, area: str, url: str) -> bytes:
    """The poster a community hangs up for in-service members without a certificate (扫码报到).

    Its QR code carries `url`, the community's self-report page; it holds no personal data at all,
    only the community's name and how to report.
    """
    title = _("在职党员扫码报到")
    story: list[Flowable] = [
        para(community_name, "subtitle"),
        para(title, "title"),
    ]
    if area:
        story.append(para(area, "center"))
    story += [
        Spacer(1, 6 * mm),
        para(
            _(
                "在职党员请到居住地社区报到。没有报到证的，可用手机微信或浏览器扫描下方二维码，"
                "在手机上完成报到，无需到社区填表。"
            ),
            "body",
        ),
        Spacer(1, 6 * mm),
        qr_box(
            url,
            [
                para(_("扫码报到步骤"), "heading"),
                para(_("1. 输入身份证号和单位登记的手机号，核对党员名册后设置密码；"), "cell"),
                para(_("2. 确认居住小区/楼栋，选择兴趣特长、服务意愿和志愿服务队；"), "cell"),
                para(_("3. 阅读并签署服务承诺书，提交社区党组织确认；"), "cell"),
                para(_("4. 社区确认后，报到回执自动送达您所在单位党组织。"), "cell"),
                Spacer(1, 2 * mm),
                para(
                    _(
                        "手机号已更换的，可在页面上提交新手机号，由所在单位党组织审核。持报到证的党员请扫描报到证上的二维码。"
                    ),
                    "small",
                ),
            ],
            qr_size=70 * mm,
        ),
        Spacer(1, 10 * mm),
        para(_("%(c)s党组织") % {"c": community_name}, "right"),
        para(cn_date(timezone.localdate()), "right"),
    ]
    return pdf.build_pdf(story, title=f"{community_name}{title}", on_page=_frame)
