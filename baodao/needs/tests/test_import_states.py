"""Demands imported from a real .xlsx file, refused cell by cell: each bad value named with its row
and column in Chinese, and then nothing written; an empty file and a file too long refused whole."""

from __future__ import annotations

import io
from types import SimpleNamespace

import openpyxl
import pytest

from baodao.directory.importing.plan import FileProblem
from baodao.needs import importing
from baodao.needs.models import Demand, DemandEvent
from baodao.stats.models import NeedCount


def xlsx(rows: list[list[object]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([c.title for c in importing.COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


GOOD = ["安一小区", "敲门组", "法律咨询", "想咨询房屋继承", "", "", "", "", "", ""]


def test_every_bad_cell_is_named_by_row_and_column_and_nothing_is_written(nw: SimpleNamespace) -> None:
    w = nw
    rows = [
        GOOD,
        ["北一小区", "敲门组", "法律咨询", "别的社区的小区", "", "", "", "", "", ""],
        ["安一小区", "电话", "法律咨询", "渠道不对", "", "", "", "", "", ""],
        ["安一小区", "敲门组", "不存在的类别", "类别不对", "", "", "", "", "", ""],
        ["安一小区", "敲门组", "法律咨询", "需" * 61, "", "", "", "", "", ""],
        ["安一小区", "敲门组", "法律咨询", "类型不对", "大心愿", "", "", "", "", ""],
        ["安一小区", "敲门组", "法律咨询", "小区问题不对", "", "十难", "", "", "", ""],
        ["安一小区", "敲门组", "法律咨询", "说明太长", "", "", "说" * 1001, "", "", ""],
        ["安一小区", "敲门组", "法律咨询", "只有姓名", "", "", "", "赵大爷", "", ""],
        ["安一小区", "敲门组", "法律咨询", "希望时间太长", "", "", "", "", "", "时" * 61],
        ["", "", "", "", "微诉求", "", "", "", "", ""],
    ]
    outcome = importing.demands_import(file=xlsx(rows), community=w.A, by=w.community_staff)
    assert (outcome.rows, outcome.created) == (11, 0)
    got = [(e.row, e.column, e.message) for e in outcome.errors]
    assert got == [
        (3, "小区/楼栋", "本社区没有“北一小区”，请从“可选值”表中选择"),
        (4, "收集渠道", "收集渠道应为：敲门组、微信群、问卷、走街巷、来电来访"),
        (5, "类别", "没有“不存在的类别”这个类别，请从“可选值”表中选择"),
        (6, "需求", "需求最多 60 个字（现在 61 个）"),
        (7, "类型", "类型应为：微心愿、微诉求、微梦想"),
        (8, "小区问题", "小区问题应为：十乱、十怨、十患、十盼"),
        (9, "详细说明", "详细说明最多 1000 个字"),
        (10, "居民手机号", "填了居民姓名，请填写手机号，办理进展会短信告知"),
        (11, "希望时间", "内容过长"),
        (12, "小区/楼栋", "小区/楼栋必填"),
        (12, "收集渠道", "收集渠道必填"),
        (12, "类别", "类别必填"),
        (12, "需求", "需求必填"),
    ]
    assert not Demand.objects.exists() and not DemandEvent.objects.exists() and not NeedCount.objects.exists()


def test_an_empty_or_too_long_file_is_refused_whole(nw: SimpleNamespace) -> None:
    w = nw
    with pytest.raises(FileProblem) as e:
        importing.demands_import(file=xlsx([]), community=w.A, by=w.community_staff)
    assert str(e.value.args[0]) == "文件中没有数据：请从第二行起填写数据。"  # the reader's own words
    with pytest.raises(FileProblem) as e:
        importing.demands_import(file=xlsx([GOOD] * (importing.MAX_ROWS + 1)), community=w.A, by=w.community_staff)
    assert str(e.value.args[0]) == "一次最多导入 2000 行，请拆分文件。"
    assert not Demand.objects.exists()
    outcome = importing.demands_import(file=xlsx([GOOD] * 2), community=w.A, by=w.community_staff)
    assert (outcome.rows, outcome.created, outcome.errors) == (2, 2, [])
    assert Demand.objects.filter(channel="door", place=w.A1).count() == 2
