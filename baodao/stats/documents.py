"""Printed documents of the public bulletin: the A4 poster a community hangs up, with a QR code of the live page."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from baodao.core import pdf
from baodao.core.pdf import CONTENT_WIDTH, cn_date, grid, para, qr_box
from baodao.stats.bulletin import CommunityBulletin


def bulletin_poster_pdf(bulletin: CommunityBulletin, url: str) -> bytes:
    """A printable A4 poster of the bulletin, with a QR code of the live page at `url`."""
    story: list[Flowable] = [
        para(_("%(c)s“双报到”公示") % {"c": bulletin.name}, "title"),
    ]
    if bulletin.area:
        story.append(para(bulletin.area, "subtitle"))
    story.append(Spacer(1, 4 * mm))

    story.append(para(_("联系社区市级领导"), "heading"))
    if bulletin.leaders:
        story.append(para("；".join(f"{x.name}（{x.title}）" for x in bulletin.leaders)))
    else:
        story.append(para(_("暂无"), "label"))

    story.append(para(_("共建单位及联系社区工作队"), "heading"))
    if bulletin.units:
        rows = []
        for u in bulletin.units:
            if not u.teams:
                rows.append([u.name, _("暂未组建"), ""])
            for t in u.teams:
                names = "、".join(m.name + (_("（队长）") if m.is_leader else "") for m in t.members)
                rows.append([u.name, t.name, names or _("暂无队员")])
        story.append(grid([_("单位"), _("工作队"), _("队员")], rows, [44 * mm, 44 * mm, CONTENT_WIDTH - 88 * mm]))
    else:
        story.append(para(_("暂无共建单位"), "label"))

    story.append(para(_("小区（网格）第一书记"), "heading"))
    if bulletin.first_secretaries:
        rows = [[f.place_label, f.member_name or _("暂缺"), f.unit_name or ""] for f in bulletin.first_secretaries]
        story.append(
            grid([_("小区/网格"), _("第一书记"), _("单位")], rows, [60 * mm, 40 * mm, CONTENT_WIDTH - 100 * mm])
        )
    else:
        story.append(para(_("暂无"), "label"))

    story.append(para(_("公开承诺"), "heading"))
    if bulletin.commitments:
        for c in bulletin.commitments:
            story.append(para(f"{c.unit_name}：{c.text}"))
    else:
        story.append(para(_("暂无公开承诺"), "label"))

    box = qr_box(
        url,
        [
            para(_("扫码查看最新公示"), "heading"),
            para(_("欢迎居民群众监督。公示内容以网页为准。"), "cell"),
            para(_("公示日期：%(d)s") % {"d": cn_date(timezone.localdate())}, "small"),
        ],
        qr_size=40 * mm,
    )
    story += [Spacer(1, 6 * mm), box]
    return pdf.build_pdf(story, title=_("%(c)s“双报到”公示") % {"c": bulletin.name})
