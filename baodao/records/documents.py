"""Printed documents of the record: the 志愿服务记录证明 (one A4 page, with the QR code of the public
verification page)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from baodao.core import pdf
from baodao.core.numbers import hours_text
from baodao.core.pdf import cn_date, para, qr_box
from baodao.core.privacy import mask_id_number
from baodao.records.models import ServiceCertificate
from baodao.records.services import certificate_contact


def certificate_pdf(cert: ServiceCertificate, verify_url: str) -> bytes:
    member = cert.member
    rows = [[str(k), str(n), hours_text(m)] for k, n, m in cert.summary]
    if cert.activities is None:  # issued before activities and logged service were counted apart
        served = _("参加志愿服务 %(n)s 次") % {"n": cert.records}
    else:
        served = _("参加社区活动 %(a)s 次、自行登记志愿服务 %(l)s 次") % {"a": cert.activities, "l": cert.logged}
        if cert.other:
            served += _("（另有 %(o)s 次在场不足时长，只计时长）") % {"o": cert.other}
    story: list[Flowable] = [
        para(_("编号：%(n)s") % {"n": cert.number}, "right"),
        Spacer(1, 6 * mm),
        para(_("志愿服务记录证明"), "title"),
        Spacer(1, 6 * mm),
        para(
            _(
                "兹证明 %(name)s（身份证号 %(id)s）于 %(s)s 至 %(e)s 期间，在%(c)s%(served)s，"
                "累计服务时长 %(h)s 小时。以上记录均经社区逐项确认。"
            )
            % {
                "name": member.name,
                "id": mask_id_number(member.id_number),
                "s": cn_date(cert.starts_on),
                "e": cn_date(cert.ends_on),
                "c": cert.community.name,
                "served": served,
                "h": hours_text(cert.minutes),
            },
            "body",
        ),
        Spacer(1, 5 * mm),
        pdf.grid([_("服务内容"), _("次数"), _("时长（小时）")], rows, [100 * mm, 30 * mm, 44 * mm]),
        Spacer(1, 10 * mm),
        para(_("出具单位：%(c)s（盖章）") % {"c": cert.community.name}, "right"),
        # Issued before the contact was always kept: the community's staff contact of today.
        para(
            _("联系人：%(p)s") % {"p": cert.contact or certificate_contact(cert.community, cert.issued_by) or "—"},
            "right",
        ),
        para(_("出具日期：%(d)s") % {"d": cn_date(cert.issued_at)}, "right"),
        Spacer(1, 14 * mm),
    ]
    story.append(
        qr_box(
            verify_url,
            [
                para(_("扫描二维码核验本证明的真伪："), "cell"),
                para(_("核验页显示证明编号、出具单位、服务时长以及是否已作废。"), "cell"),
                Spacer(1, 2 * mm),
                para(_("依据《志愿服务记录与证明出具办法》（民政部令第67号）出具。"), "small"),
            ],
            qr_size=40 * mm,
        )
    )
    return pdf.build_pdf(story, title=_("志愿服务记录证明"))
