"""Roster import: every kind of bad row, all-or-nothing, valid-only, broken files, the pages.

The world (built with the services):

    测试市 T ── 东湖区 T1 ── 安北街道 T11 ─┬─ 安宁社区 A ── 安一小区 A1 ── 1栋 A11
                                          │               安二小区 A2
                                          └─ 北门社区 B (next door) ── 北一小区 B1
    unit U001 城建局 (office A): 城建局机关党委 > 城建局第一党支部
    unit V001 教育局 (office B): 教育局党支部
    member 王安华 (U001, lives in A11) — already registered
    users: staff_a (community staff of A), staff_b (of B), city admin, member user (王安华)
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from baodao.accounts.models import Role, SecurityEvent, User
from baodao.accounts.services import user_create
from baodao.core.validators import id_check_digit
from baodao.directory import selectors, services, tasks
from baodao.directory.exports import MEMBER_EXPORT_HEADERS, member_export_rows
from baodao.directory.importing import members, plan, readers
from baodao.directory.importing.columns import TEMPLATES
from baodao.directory.importing.plan import ImportResult, RowError
from baodao.directory.importing.run import import_xlsx
from baodao.directory.importing.template import template_workbook
from baodao.directory.models import Category, ImportJob, Member, PartyOrg, Place, Resident, Unit
from baodao.directory.tasks import run_import

K = Place.Kind
PW = "x"


def id_number(seq: int, birth: str = "19900101") -> str:
    """A valid ID number under region 990102, which no real place uses."""
    first17 = f"990102{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


def xlsx(kind: str, rows: list[list[Any]], headers: list[str] | None = None) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(headers if headers is not None else [c.title for c in TEMPLATES[kind]])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "roster.xlsx"
    return buf


def member_row(seq: int, **over: Any) -> list[Any]:
    row = {
        "姓名": f"党员{seq}",
        "身份证号": over.pop("身份证号") if "身份证号" in over else id_number(seq),
        "手机号": f"1990001{seq:04d}",
        "单位编码": "U001",
        "党组织名称": "城建局第一党支部",
        "居住地编码": "A1",
        "详细地址": "1栋2单元301",
        "入党日期": "2015-07-01",
        "兴趣特长": "法律咨询",
        "服务意愿": "",
    }
    row.update(over)
    return [row[c.header] for c in TEMPLATES["members"]]


@pytest.fixture
def w(db: None, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "media"
    w = SimpleNamespace()
    p = services.place_create
    w.T = p(kind=K.CITY, code="T", name="测试市")
    w.T1 = p(kind=K.DISTRICT, code="T1", name="东湖区", parent=w.T)
    w.T11 = p(kind=K.STREET, code="T11", name="安北街道", parent=w.T1)
    w.A = p(kind=K.COMMUNITY, code="A", name="安宁社区", parent=w.T11)
    w.B = p(kind=K.COMMUNITY, code="B", name="北门社区", parent=w.T11)
    w.A1 = p(kind=K.COMPOUND, code="A1", name="安一小区", parent=w.A)
    w.A2 = p(kind=K.COMPOUND, code="A2", name="安二小区", parent=w.A)
    w.A11 = p(kind=K.BUILDING, code="A11", name="安一1栋", parent=w.A1)
    w.B1 = p(kind=K.COMPOUND, code="B1", name="北一小区", parent=w.B)
    w.U = Unit.objects.create(code="U001", name="城建局", kind=Unit.Kind.ORGAN, office_place=w.A)
    w.U_committee = PartyOrg.objects.create(unit=w.U, kind=PartyOrg.Kind.COMMITTEE, name="城建局机关党委")
    w.U_branch = PartyOrg.objects.create(
        unit=w.U, parent=w.U_committee, kind=PartyOrg.Kind.BRANCH, name="城建局第一党支部"
    )
    w.V = Unit.objects.create(code="V001", name="教育局", kind=Unit.Kind.ORGAN, office_place=w.B)
    w.V_branch = PartyOrg.objects.create(unit=w.V, kind=PartyOrg.Kind.BRANCH, name="教育局党支部")
    w.law = Category.objects.create(kind=Category.Kind.SKILL, name="法律咨询")
    w.medic = Category.objects.create(kind=Category.Kind.SKILL, name="医疗保健")
    w.policy = Category.objects.get_or_create(kind=Category.Kind.INTENTION, name="政策宣传")[0]
    w.elder = Category.objects.create(kind=Category.Kind.SPECIAL_GROUP, name="空巢老人")
    w.existing_id = id_number(999, birth="19700101")
    w.m0 = services.member_create(
        name="王安华",
        id_number=w.existing_id,
        mobile="13812345678",
        unit=w.U,
        party_org=w.U_branch,
        residence=w.A11,
        address_detail="1栋101",
    )
    w.staff_a = user_create(
        username="staff_a", password=PW, roles=[{"role": Role.COMMUNITY_STAFF, "place": w.A}], validate=False
    )
    w.staff_b = user_create(
        username="staff_b", password=PW, roles=[{"role": Role.COMMUNITY_STAFF, "place": w.B}], validate=False
    )
    w.city_admin = user_create(
        username="city", password=PW, roles=[{"role": Role.CITY_ADMIN, "place": w.T}], validate=False
    )
    w.member_user = user_create(
        username="member", password=PW, roles=[{"role": Role.MEMBER, "member": w.m0}], validate=False
    )
    return w


def run(kind: str, user: Any, rows: list[list[Any]], **kw: Any) -> ImportResult:
    return import_xlsx(kind=kind, file=xlsx(kind, rows), user=user, **kw)


# --- members: each kind of bad row ---------------------------------------------------------------

BAD_MEMBER_ROWS = [
    pytest.param({"姓名": ""}, "姓名", "必填项不能为空", id="missing-name"),
    pytest.param({"单位编码": None}, "单位编码", "必填项不能为空", id="missing-unit"),
    pytest.param(
        {"身份证号": id_number(7)[:17] + ("0" if id_number(7)[17] != "0" else "1")},
        "身份证号",
        "身份证号校验位错误",
        id="check-digit",
    ),
    pytest.param(
        {"身份证号": "99010219901332001" + id_check_digit("99010219901332001")},
        "身份证号",
        "身份证号中的出生日期无效",
        id="id-birth-date",
    ),
    pytest.param({"身份证号": "12345"}, "身份证号", "身份证号应为18位（前17位数字，最后一位数字或X）", id="id-length"),
    pytest.param({"手机号": "2381234567"}, "手机号", "手机号应为11位，以1开头", id="mobile"),
    pytest.param({"单位编码": "NOPE"}, "单位编码", "单位编码「NOPE」不存在", id="unknown-unit"),
    pytest.param(
        {"党组织名称": "教育局党支部"},
        "党组织名称",
        "单位「U001」下没有名为「教育局党支部」的党组织",
        id="party-org-of-another-unit",
    ),
    pytest.param(
        {"居住地编码": "ZZZ"}, "居住地编码", "居住地编码「ZZZ」不存在或不在您的管辖范围内", id="unknown-residence"
    ),
    pytest.param(
        {"居住地编码": "A"}, "居住地编码", "居住地「A」是社区，应为小区、网格或楼栋", id="residence-not-compound"
    ),
    # The compound next door exists, but staff of A must not learn that: same words as unknown.
    pytest.param(
        {"居住地编码": "B1"}, "居住地编码", "居住地编码「B1」不存在或不在您的管辖范围内", id="residence-out-of-scope"
    ),
    pytest.param({"身份证号": "EXISTING"}, "身份证号", "该身份证号已登记为其他党员", id="duplicate-in-db"),
    pytest.param(
        {"兴趣特长": "法律咨询、烹饪"},
        "兴趣特长",
        "未知的兴趣特长：烹饪（请使用系统中已有的名称）",
        id="unknown-category",
    ),
    pytest.param(
        {"服务意愿": "跳舞"}, "服务意愿", "未知的服务意愿：跳舞（请使用系统中已有的名称）", id="unknown-intention"
    ),
    pytest.param({"入党日期": "2015-13-01"}, "入党日期", "日期格式应为 YYYY-MM-DD，如 2005-07-01", id="bad-date"),
    pytest.param({"入党日期": "1980-01-01"}, "入党日期", "入党日期早于出生日期", id="joined-before-birth"),
    pytest.param(
        {"身份证号": 990102199001010000.0},
        "身份证号",
        "身份证号被Excel存成了数字，末几位已丢失：请把该列设为文本格式后重新填写",
        id="id-as-number",
    ),
]


@pytest.mark.parametrize(("override", "column", "message"), BAD_MEMBER_ROWS)
def test_import_members_bad_row_named_with_reason(
    w: SimpleNamespace, override: dict[str, Any], column: str, message: str
) -> None:
    if override.get("身份证号") == "EXISTING":
        override = {"身份证号": w.existing_id}
    rows = [member_row(1), member_row(2, **override), member_row(3)]

    result = run("members", w.staff_a, rows)

    assert result.rejected == [RowError(3, column, message)]
    assert result.total_rows == 3
    assert result.created == 0
    assert result.committed is False
    assert list(Member.objects.values_list("name", flat=True)) == ["王安华"]


def test_import_members_duplicate_id_in_file_names_both_rows(w: SimpleNamespace) -> None:
    same = id_number(5)
    rows = [member_row(1), member_row(2, 身份证号=same), member_row(3), member_row(4, 身份证号=same.lower())]

    result = run("members", w.staff_a, rows)

    assert result.rejected == [
        RowError(3, "身份证号", "身份证号在文件中重复（与第5行相同）"),
        RowError(5, "身份证号", "身份证号在文件中重复（与第3行相同）"),
    ]
    assert Member.objects.count() == 1


def test_import_members_row_with_several_errors_lists_each(w: SimpleNamespace) -> None:
    result = run("members", w.staff_a, [member_row(1, 姓名="", 手机号="123", 居住地编码="B1")])

    assert [(e.row, e.column) for e in result.rejected] == [(2, "姓名"), (2, "手机号"), (2, "居住地编码")]
    assert result.rejected_row_count == 1


def test_import_members_all_or_nothing(w: SimpleNamespace) -> None:
    rows = [member_row(i) for i in range(1, 6)] + [member_row(6, 单位编码="NOPE")]

    result = run("members", w.staff_a, rows)

    assert result.committed is False
    assert result.created == 0
    assert [e.row for e in result.rejected] == [7]
    assert Member.objects.count() == 1
    assert PartyOrg.objects.count() == 3  # nothing else moved either


def test_import_members_valid_only_writes_the_good_rows(w: SimpleNamespace) -> None:
    rows = [member_row(i) for i in range(1, 6)] + [member_row(6, 单位编码="NOPE")]

    result = run("members", w.staff_a, rows, valid_only=True)

    assert result.committed is True
    assert result.created == 5
    assert result.rejected == [RowError(7, "单位编码", "单位编码「NOPE」不存在")]
    assert set(Member.objects.values_list("name", flat=True)) == {"王安华", "党员1", "党员2", "党员3", "党员4", "党员5"}


def test_import_members_valid_only_with_no_valid_row_writes_nothing(w: SimpleNamespace) -> None:
    result = run("members", w.staff_a, [member_row(1, 单位编码="NOPE")], valid_only=True)

    assert result.created == 0
    assert result.committed is False
    assert Member.objects.count() == 1


def test_import_members_happy_path_1000_rows(w: SimpleNamespace) -> None:
    rows = [
        member_row(
            i,
            居住地编码="A11" if i % 2 else "A2",
            兴趣特长="法律咨询、医疗保健" if i % 3 == 0 else "",
            服务意愿="政策宣传" if i % 5 == 0 else "",
            入党日期=dt.datetime(2012, 6, 30) if i % 2 else "2015/7/1",
            党组织名称="城建局机关党委" if i % 7 == 0 else "城建局第一党支部",
        )
        for i in range(1000)
    ]
    calls: list[tuple[int, int]] = []

    result = run("members", w.staff_a, rows, progress=lambda done, total: calls.append((done, total)))

    assert result.rejected == []
    assert (result.total_rows, result.created, result.committed) == (1000, 1000, True)
    assert Member.objects.count() == 1001
    m = Member.objects.get(name="党员3")
    assert m.id_number == id_number(3)
    assert (m.birth_date, m.gender) == (dt.date(1990, 1, 1), "M")
    assert m.mobile == "19900010003"
    assert m.address_detail == "1栋2单元301"
    assert m.residence == w.A11
    assert m.party_org == w.U_branch
    assert m.joined_party_on == dt.date(2012, 6, 30)
    assert set(m.skills.all()) == {w.law, w.medic}
    assert Member.objects.get(name="党员4").joined_party_on == dt.date(2015, 7, 1)
    assert list(Member.objects.get(name="党员5").intentions.all()) == [w.policy]
    assert Member.objects.get(name="党员7").party_org == w.U_committee
    assert Member.skills.through.objects.count() == 334 * 2
    # At rest the ID number, the mobile and the address are ciphertext, never the plain values.
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, mobile, address_detail FROM directory_member WHERE id = %s", [m.pk])
        stored = cur.fetchone()
    assert id_number(3) not in stored[0]
    assert "19900010003" not in stored[1]
    assert "301" not in stored[2]
    assert Member.objects.filter(id_hash=m.id_hash).count() == 1
    # Progress: called every ~1000 rows, ends at total/total.
    assert calls[-1][0] == calls[-1][1] > 0
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.IMPORT)
    assert (event.user, event.row_count) == (w.staff_a, 1000)


def test_import_members_numeric_cells_and_blank_rows(w: SimpleNamespace) -> None:
    """Excel users type mobiles and codes as numbers and leave blank rows; both are fine."""
    Place.objects.filter(pk=w.A1.pk).update(code="420102")
    rows = [
        member_row(1, 手机号=19900010001, 居住地编码=420102),
        [None] * 10,
        member_row(2, 姓名="  党员二 ", 居住地编码="A11"),
    ]

    result = run("members", w.staff_a, rows)

    assert result.rejected == []
    assert (result.total_rows, result.created) == (2, 2)
    assert Member.objects.get(name="党员1").mobile == "19900010001"
    assert Member.objects.filter(name="党员二").exists()


def test_import_members_headers_in_another_order_without_stars(w: SimpleNamespace) -> None:
    headers = [c.header for c in TEMPLATES["members"]][::-1] + ["备注"]
    row = member_row(1)[::-1] + ["随便写"]

    result = import_xlsx(kind="members", file=xlsx("members", [row], headers=headers), user=w.staff_a)

    assert (result.rejected, result.created) == ([], 1)


def test_import_members_needs_master_data_rights(w: SimpleNamespace) -> None:
    result = run("members", w.member_user, [member_row(1)])

    assert result.rejected == [RowError(0, "", "您没有导入基础数据的权限")]
    assert Member.objects.count() == 1


# --- broken files -------------------------------------------------------------------------------

NOT_XLSX = "无法读取文件：请上传 Excel 2007 及以上版本的 .xlsx 文件（不支持 .xls、.csv 等格式），并确认文件未损坏。"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("姓名*,身份证号*\n张三,1234\n".encode(), id="csv-renamed"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 200, id="corrupt-zip"),
        pytest.param(b"", id="empty-file"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, id="old-xls"),
    ],
)
def test_import_unreadable_file_is_an_error_result(w: SimpleNamespace, content: bytes) -> None:
    result = import_xlsx(kind="members", file=io.BytesIO(content), user=w.staff_a)

    assert result.rejected == [RowError(0, "", NOT_XLSX)]
    assert (result.committed, result.created, result.total_rows) == (False, 0, 0)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.IMPORT, row_count=0).count() == 1


def test_import_zip_that_is_not_a_workbook(w: SimpleNamespace) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "不是表格")

    result = import_xlsx(kind="members", file=buf, user=w.staff_a)

    assert result.rejected == [RowError(0, "", NOT_XLSX)]


def test_import_wrong_headers(w: SimpleNamespace) -> None:
    result = import_xlsx(
        kind="members", file=xlsx("members", [member_row(1)], headers=["名字", "身份证号", "电话"]), user=w.staff_a
    )

    assert len(result.rejected) == 1
    err = result.rejected[0]
    assert err.row == 1
    assert err.message.startswith("表头与模板不一致，缺少列：姓名、手机号、单位编码、党组织名称、居住地编码")
    assert Member.objects.count() == 1


def test_import_places_file_into_members_import_names_the_headers(w: SimpleNamespace) -> None:
    result = import_xlsx(kind="members", file=xlsx("places", [["X", "某地", "小区", "A", ""]]), user=w.staff_a)

    assert result.rejected[0].row == 1
    assert "缺少列" in result.rejected[0].message


@pytest.mark.parametrize("headers", [[c.title for c in TEMPLATES["members"]], []], ids=["headers-only", "blank"])
def test_import_empty_sheet(w: SimpleNamespace, headers: list[str]) -> None:
    result = import_xlsx(kind="members", file=xlsx("members", [], headers=headers), user=w.staff_a)

    assert len(result.rejected) == 1
    assert result.rejected[0].row == 1
    assert result.committed is False


# --- places -------------------------------------------------------------------------------------


def test_import_places_happy_path_builds_the_tree(w: SimpleNamespace) -> None:
    rows = [
        ["A11-2", "安一2栋", "楼栋", "A1", 2],  # child listed before its parent row below
        ["A3", "安三小区", "小区", "A", 3],
        ["A31", "安三1栋", "楼栋", "A3", ""],
        ["A4", "安宁网格四", "网格", "A", ""],
    ]

    result = run("places", w.staff_a, rows)

    assert (result.rejected, result.created, result.committed) == ([], 4, True)
    a3 = Place.objects.get(code="A3")
    a31 = Place.objects.get(code="A31")
    assert (a3.parent, a3.kind, a3.sort_order, a3.depth) == (w.A, K.COMPOUND, 3, w.A.depth + 1)
    assert (a31.parent, a31.kind, a31.depth) == (a3, K.BUILDING, w.A.depth + 2)
    assert a31.path.startswith(a3.path) and a3.path.startswith(w.A.path)
    assert Place.objects.get(code="A4").kind == K.GRID
    assert set(Place.objects.filter(path__startswith=w.A.path).values_list("code", flat=True)) == {
        "A", "A1", "A2", "A11", "A11-2", "A3", "A31", "A4"
    }  # fmt: skip
    # Imported places take their place in the list's order: A1, A2 (sort 0), A4 (no sort order:
    # 0, code after A2), then A3 (sort order 3) with its building.
    listed = [p.code for p in selectors.places_for_user(w.staff_a, within=w.A)]
    assert listed == ["A", "A1", "A11", "A11-2", "A2", "A4", "A3", "A31"]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["A5", "安五小区", "小区", "A11", ""], "上级编码", "上级「A11」是楼栋，不能作为小区的上级"),
        (["B2", "北二小区", "小区", "B", ""], "上级编码", "上级编码「B」不存在或不在您的管辖范围内"),
        (["A1", "重复小区", "小区", "A", ""], "编码", "编码「A1」已被使用"),
        (["A5", "安五小区", "大院", "A", ""], "类型", "类型应为 市、区(县)、街道、社区、小区、网格、楼栋 之一"),
        (["A5", "安五小区", "小区", "", ""], "上级编码", "上级编码不能为空（只有系统管理员可以新增最高层级的地点）"),
        (["A5", "安五小区", "小区", "A", "第一"], "排序", "排序应为整数"),
        (["A5", "安五小区", "小区", "A5", ""], "上级编码", "上级编码不能是本行的编码"),
    ],
)
def test_import_places_bad_row(w: SimpleNamespace, row: list[Any], column: str, message: str) -> None:
    before = Place.objects.count()

    result = run("places", w.staff_a, [["A6", "安六小区", "小区", "A", ""], row])

    assert result.rejected == [RowError(3, column, message)]
    assert Place.objects.count() == before


def test_import_places_superuser_may_add_a_new_top_node(w: SimpleNamespace) -> None:
    root = User.objects.create_superuser(username="root", password=PW)
    rows = [["N", "新市", "市", "", ""], ["N1", "新区", "区(县)", "N", ""]]

    result = run("places", root, rows)

    assert (result.rejected, result.created) == ([], 2)
    n, n1 = Place.objects.get(code="N"), Place.objects.get(code="N1")
    assert (n.parent, n.depth, n1.parent, n1.depth) == (None, 0, n, 1)
    assert n1.path.startswith(n.path) and not n.path.startswith(w.T.path)


def test_import_places_child_of_a_rejected_row_is_rejected_in_valid_only_mode(w: SimpleNamespace) -> None:
    rows = [
        ["A7", "安七小区", "大院", "A", ""],
        ["A71", "安七1栋", "楼栋", "A7", ""],
        ["A8", "安八小区", "小区", "A", ""],
    ]

    result = run("places", w.staff_a, rows, valid_only=True)

    assert [(e.row, e.column) for e in result.rejected] == [(2, "类型"), (3, "上级编码")]
    assert result.rejected[1].message == "上级「A7」所在的行有错误"
    assert result.created == 1
    assert Place.objects.filter(code__in=["A7", "A71", "A8"]).count() == 1


# --- units and party orgs -----------------------------------------------------------------------


def unit_row(**over: Any) -> list[Any]:
    row = {
        "单位编码": "S001",
        "单位名称": "市司法局",
        "单位类型": "机关",
        "办公地点编码": "A",
        "党组织关系在本地": "是",
        "党组织名称": "市司法局机关党委",
        "党组织类型": "党委",
        "上级党组织名称": "",
    }
    row.update(over)
    return [row[c.header] for c in TEMPLATES["units"]]


def test_import_units_happy_path(w: SimpleNamespace) -> None:
    rows = [
        unit_row(党组织名称="市司法局第一党支部", 党组织类型="党支部", 上级党组织名称="市司法局机关党委"),
        unit_row(),
        unit_row(党组织名称="市司法局第二党支部", 党组织类型="党支部", 上级党组织名称="市司法局机关党委"),
        unit_row(
            单位编码="P001",
            单位名称="阳光物业公司",
            单位类型="非公企业",
            党组织关系在本地="否",
            党组织名称="阳光物业党支部",
            党组织类型="党支部",
        ),
    ]

    result = run("units", w.staff_a, rows)

    assert (result.rejected, result.created, result.committed) == ([], 4, True)
    s = Unit.objects.get(code="S001")
    assert (s.name, s.kind, s.office_place, s.party_relation_local) == ("市司法局", Unit.Kind.ORGAN, w.A, True)
    committee = s.party_orgs.get(name="市司法局机关党委")
    assert committee.parent is None and committee.kind == PartyOrg.Kind.COMMITTEE
    assert set(committee.children.values_list("name", flat=True)) == {"市司法局第一党支部", "市司法局第二党支部"}
    p = Unit.objects.get(code="P001")
    assert (p.kind, p.party_relation_local, p.party_orgs.count()) == (Unit.Kind.PRIVATE, False, 1)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (unit_row(办公地点编码="B"), "办公地点编码", "办公地点编码「B」不存在或不在您的管辖范围内"),
        (
            unit_row(党组织名称="支部甲", 党组织类型="党支部", 上级党组织名称="支部乙"),
            "上级党组织名称",
            "上级党组织「支部乙」不是本文件中同一单位的另一行",
        ),
        (unit_row(单位编码="U001"), "单位编码", "单位编码「U001」已存在（导入只新增单位）"),
        (unit_row(党组织类型="党小组"), "党组织类型", "党组织类型应为 党委、党总支、党支部 之一"),
        (unit_row(单位名称="司法局"), "单位编码", "同一单位编码的单位信息与第2行不一致"),
        (unit_row(党组织关系在本地="不是"), "党组织关系在本地", "应填“是”或“否”"),
    ],
)
def test_import_units_bad_row(w: SimpleNamespace, row: list[Any], column: str, message: str) -> None:
    result = run("units", w.staff_a, [unit_row(), row])

    assert RowError(3, column, message) in result.rejected
    assert {e.row for e in result.rejected} <= {2, 3}
    assert not Unit.objects.filter(code="S001").exists()


def test_import_units_org_hierarchy_rules(w: SimpleNamespace) -> None:
    rows = [
        unit_row(党组织名称="第一党支部", 党组织类型="党支部"),
        unit_row(党组织名称="第二党支部", 党组织类型="党支部", 上级党组织名称="第一党支部"),
    ]

    result = run("units", w.staff_a, rows)

    assert result.rejected == [RowError(3, "上级党组织名称", "党支部不能作为党支部的上级")]
    assert not Unit.objects.filter(code="S001").exists()


# --- residents ----------------------------------------------------------------------------------


def test_import_residents_happy_path(w: SimpleNamespace) -> None:
    rows = [
        ["陈安居", "13987654321", "A1", "3栋101", "空巢老人"],
        ["刘安住", None, "A11", "", ""],
    ]

    result = run("residents", w.staff_a, rows)

    assert (result.rejected, result.created, result.committed) == ([], 2, True)
    r = Resident.objects.get(name="陈安居")
    assert (r.mobile, r.residence, r.address_detail) == ("13987654321", w.A1, "3栋101")
    assert list(r.special_groups.all()) == [w.elder]
    assert Resident.objects.get(name="刘安住").mobile == ""


def test_import_residents_duplicate_in_file_and_in_scope(w: SimpleNamespace) -> None:
    services.resident_create(name="陈安居", residence=w.A1, mobile="13987654321")
    services.resident_create(name="何北", residence=w.B1, mobile="13911112222")  # next door
    rows = [
        ["陈安居", "13987654321", "A1", "", ""],
        ["何北", "13911112222", "A1", "", ""],
        ["刘安住", "13900000001", "A1", "", ""],
        ["刘安住", "13900000001", "A2", "", ""],
    ]

    result = run("residents", w.staff_a, rows)

    assert result.rejected == [
        RowError(2, "手机号", "该居民（姓名和手机号相同）已登记"),
        RowError(4, "手机号", "姓名和手机号在文件中重复（与第5行相同）"),
        RowError(5, "手机号", "姓名和手机号在文件中重复（与第4行相同）"),
    ]


def test_import_residents_bad_rows(w: SimpleNamespace) -> None:
    rows = [
        ["陈安居", "13987654321", "A1", "", ""],
        ["刘安住", "1398765432", "A1", "", ""],
        ["何北", "", "B1", "", ""],
        ["张三", "", "A1", "", "孤寡"],
    ]

    result = run("residents", w.staff_a, rows)

    assert result.rejected == [
        RowError(3, "手机号", "手机号应为11位，以1开头"),
        RowError(4, "居住地编码", "居住地编码「B1」不存在或不在您的管辖范围内"),
        RowError(5, "特殊群体", "未知的特殊群体：孤寡（请使用系统中已有的名称）"),
    ]
    assert Resident.objects.count() == 0


# --- reading: calamine, and openpyxl where calamine would lose something ----------------------


@pytest.fixture(params=["calamine", "openpyxl"])
def reader(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with each reader: calamine (the fast path) and openpyxl (the fallback)."""
    if request.param == "openpyxl":
        monkeypatch.setattr(readers, "CalamineWorkbook", None)
    return request.param


def with_sheet_xml(buf: io.BytesIO, old: str, new: str) -> io.BytesIO:
    """The same workbook with `old` replaced by `new` in the first sheet's XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                assert old in text
                data = text.replace(old, new).encode()
            zout.writestr(item, data)
    out.seek(0)
    return out


def read_both(buf: io.BytesIO, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list, int]:
    """read_rows with each reader, and how many times calamine's rows were taken."""
    taken = 0
    real = readers._calamine_sheet

    def spy(data: bytes) -> Any:
        nonlocal taken
        sheet = real(data)
        taken += sheet is not None
        return sheet

    bar = plan.ProgressBar(lambda done, total: None)
    columns = TEMPLATES["members"]
    monkeypatch.setattr(readers, "_calamine_sheet", spy)
    fast = readers.read_rows(buf, columns, bar)
    monkeypatch.setattr(readers, "CalamineWorkbook", None)
    slow = readers.read_rows(buf, columns, bar)
    return fast, slow, taken


def test_readers_give_the_same_rows(w: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the cell types, calamine's rows are the ones openpyxl gives, row numbers included."""
    rows = [
        member_row(1, 姓名="  带空格 ", 手机号=19900010001, 居住地编码=420102, 入党日期=dt.datetime(2012, 6, 30)),
        [None] * 10,
        member_row(2, 入党日期=dt.datetime(2012, 6, 30, 13, 5), 详细地址=3.5, 兴趣特长=True),
        member_row(3, 入党日期=dt.date(2015, 7, 1), 详细地址=dt.time(10, 30), 服务意愿=-5),
        member_row(4, 身份证号=990102199001010000.0, 详细地址=0.1, 入党日期=40000),
        [None] * 9 + ["只有最后一列"],
    ]
    buf = xlsx("members", rows)

    fast, slow, taken = read_both(buf, monkeypatch)

    assert taken == 1
    assert fast == slow
    assert [r for r, _ in fast] == [2, 4, 5, 6, 7]
    assert fast[0][1][:3] == ["带空格", id_number(1), "19900010001"]
    assert fast[0][1][7] == dt.datetime(2012, 6, 30)


def test_error_cells_are_read_by_openpyxl(w: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine reads #N/A as an empty cell; openpyxl gives the text, which the checks name."""
    buf = xlsx("members", [member_row(1, 单位编码=12345)])
    buf = with_sheet_xml(buf, '<c r="D2" t="n"><v>12345</v></c>', '<c r="D2" t="e"><v>#N/A</v></c>')

    fast, slow, taken = read_both(buf, monkeypatch)
    result = import_xlsx(kind="members", file=buf, user=w.staff_a)

    assert taken == 0
    assert fast == slow
    assert result.rejected == [RowError(2, "单位编码", "单位编码「#N/A」不存在")]


def test_integer_id_number_written_in_full_is_read_by_openpyxl(
    w: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program may write an ID number as an 18-digit integer: openpyxl keeps every digit, where
    calamine would make it a float that has lost the last ones."""
    buf = xlsx("members", [member_row(1, 身份证号=12345)])
    buf = with_sheet_xml(buf, "<v>12345</v>", f"<v>{id_number(1)}</v>")

    fast, slow, _ = read_both(buf, monkeypatch)
    result = import_xlsx(kind="members", file=buf, user=w.staff_a)

    assert fast == slow
    assert fast[0][1][1] == id_number(1)
    assert (result.rejected, result.created) == ([], 1)
    assert Member.objects.get(name="党员1").id_number == id_number(1)


def test_import_members_same_values_as_a_save(w: SimpleNamespace, reader: str) -> None:
    """The raw insert (COPY on PostgreSQL, executemany elsewhere) stores what a save would."""
    idn = next(id_number(i) for i in range(100) if id_number(i).endswith("X"))
    result = run("members", w.staff_a, [member_row(1, 身份证号=idn.lower(), 手机号=" 19900010001 ")])

    assert (result.rejected, result.created) == ([], 1)
    m = Member.objects.get(name="党员1")
    expected = Member(id_number=idn.lower(), mobile=" 19900010001 ")
    services.member_fill_secrets(expected)
    assert (m.id_number, m.id_hash, m.mobile, m.mobile_hash) == (
        expected.id_number,
        expected.id_hash,
        expected.mobile,
        expected.mobile_hash,
    )
    assert (m.gender, m.birth_date) == ("M" if int(idn[16]) % 2 else "F", dt.date(1990, 1, 1))
    assert (m.status, m.address_detail, m.joined_party_on) == ("in_service", "1栋2单元301", dt.date(2015, 7, 1))
    assert m.created_at is not None
    assert list(m.skills.all()) == [w.law]


def test_import_members_duplicate_written_meanwhile_writes_nothing(
    w: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone registers the same ID number between the check and the insert: the unique key
    stops the insert (COPY or executemany), and nothing of the file is written."""
    monkeypatch.setattr(members, "existing_values", lambda model, field, values: set())
    rows = [member_row(1), member_row(2, 身份证号=w.existing_id), member_row(3)]

    result = run("members", w.staff_a, rows)

    assert (result.committed, result.created) == (False, 0)
    assert result.rejected[-1].message.startswith("写入时发现重复数据")
    assert Member.objects.count() == 1
    assert Member.skills.through.objects.count() == 0


# --- templates and exports ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(TEMPLATES))
def test_template_workbook_round_trips_through_the_importer(w: SimpleNamespace, kind: str) -> None:
    data = template_workbook(kind, w.staff_a)
    wb = load_workbook(io.BytesIO(data))

    assert [c.value for c in wb.worksheets[0][1]] == [c.title for c in TEMPLATES[kind]]
    assert wb.sheetnames[1:] == ["说明", "选项"] and wb["选项"].sheet_state == "hidden"
    text_columns = [i for i, c in enumerate(TEMPLATES[kind], start=1) if c.text]
    assert text_columns  # codes, ID numbers and mobiles must stay text in Excel
    for i in text_columns:
        assert wb.worksheets[0].column_dimensions[get_column_letter(i)].number_format == "@"
    # The empty template is a readable file with the right headers and no data.
    result = import_xlsx(kind=kind, file=io.BytesIO(data), user=w.staff_a)
    assert result.rejected == [RowError(1, "", "文件中没有数据：请从第二行起填写数据。")]


def test_member_export_rows_masked_next_door_and_reimportable(w: SimpleNamespace) -> None:
    rows_a = list(member_export_rows(Member.objects.all(), w.staff_a))
    rows_b = list(member_export_rows(Member.objects.all(), w.staff_b))

    full = dict(zip(MEMBER_EXPORT_HEADERS, rows_a[0], strict=True))
    masked = dict(zip(MEMBER_EXPORT_HEADERS, rows_b[0], strict=True))
    assert (full["身份证号"], full["手机号"], full["居住地编码"]) == (w.existing_id, "13812345678", "A11")
    assert (masked["身份证号"], masked["手机号"]) == ("9901**********" + w.existing_id[-4:], "138****5678")
    assert masked["出生日期"] is None

    # A full export has the template's columns, so it imports elsewhere (here: a duplicate).
    buf = xlsx("members", rows_a, headers=MEMBER_EXPORT_HEADERS)
    result = import_xlsx(kind="members", file=buf, user=w.staff_a)
    assert result.rejected == [RowError(2, "身份证号", "该身份证号已登记为其他党员")]


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client: Any, w: SimpleNamespace) -> Any:
    client.force_login(w.staff_a)
    return client


def upload(client: Any, kind: str, buf: io.BytesIO, name: str = "roster.xlsx", **data: Any) -> Any:
    buf.name = name
    return client.post(reverse("import:upload", args=[kind]), {"file": buf, **data})


def test_page_index_lists_kinds(staff_client: Any) -> None:
    response = staff_client.get(reverse("import:index"))

    assert response.status_code == 200
    for label in ("在职党员", "居民", "单位及党组织", "地点"):
        assert label in response.content.decode()


def test_page_template_download(staff_client: Any) -> None:
    response = staff_client.get(reverse("import:template", args=["members"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert next(wb.worksheets[0].iter_rows(values_only=True)) == tuple(c.title for c in TEMPLATES["members"])
    assert staff_client.get(reverse("import:template", args=["nonsense"])).status_code == 404


def test_page_upload_then_job_shows_result(
    staff_client: Any, w: SimpleNamespace, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "members", xlsx("members", [member_row(1), member_row(2)]))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import:job", args=[job.pk])
    assert (job.status, job.created_count, job.committed, job.total, job.user) == ("done", 2, True, 2, w.staff_a)
    assert not job.file  # the upload is gone once imported
    assert list((Path(settings.MEDIA_ROOT) / "imports").glob("*")) == []
    page = staff_client.get(response["Location"]).content.decode()
    assert "全部 2 行已导入" in page
    assert 'hx-trigger="every 1s"' not in page
    assert Member.objects.filter(name__in=["党员1", "党员2"]).count() == 2


def test_page_job_lists_rejected_rows_and_offers_valid_only(
    staff_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [member_row(1), member_row(2, 手机号="123"), member_row(3, 居住地编码="B1")]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "members", xlsx("members", rows))

    page = staff_client.get(response["Location"]).content.decode()
    assert "发现 2 行错误，未写入任何数据" in page
    assert '<td class="num">3</td><td>手机号</td>' in page
    assert "居住地编码「B1」不存在或不在您的管辖范围内" in page
    assert reverse("import:upload", args=["members"]) + "?valid_only=1" in page
    assert Member.objects.count() == 1

    form = staff_client.get(reverse("import:upload", args=["members"]) + "?valid_only=1").content.decode()
    assert 'name="valid_only" id="id_valid_only" checked' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "members", xlsx("members", rows), valid_only="on")
    page = staff_client.get(response["Location"]).content.decode()
    assert "已导入 1 行；2 行有错误，未导入" in page
    assert Member.objects.count() == 2


def test_page_job_polls_while_running_and_htmx_gets_the_block(staff_client: Any, w: SimpleNamespace) -> None:
    job = ImportJob.objects.create(user=w.staff_a, kind="members", status="running", processed=500, total=2000)
    url = reverse("import:job", args=[job.pk])

    full = staff_client.get(url).content.decode()
    block = staff_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert f'hx-get="{url}" hx-trigger="every 1s"' in full
    assert "<html" in full
    assert "<html" not in block
    assert 'hx-trigger="every 1s"' in block
    assert 'value="25"' in block


@pytest.mark.django_db(transaction=True)  # the thread has its own connection: it sees committed rows only
def test_page_upload_runs_in_a_background_thread_the_job_page_follows_it(
    staff_client: Any, w: SimpleNamespace, settings: Any
) -> None:
    """Eager tasks (no Redis): the upload returns at once and the page polls a real thread."""
    settings.IMPORT_RUN_IN_THREAD = True
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        # The in-memory test database is one shared cache whose table locks fail at once rather
        # than wait; `make run`'s file database in WAL mode lets readers through. Read like WAL.
        with connection.cursor() as cur:
            cur.execute("PRAGMA read_uncommitted = 1")
    try:
        with tasks.IMPORT_LOCK:  # another import "is running": this one must wait in the queue
            response = upload(
                staff_client,
                "members",
                xlsx(
                    "members",
                    [
                        member_row(i, 身份证号=id_number(i % 1000, birth=f"1990010{1 + i // 1000}"))
                        for i in range(1, 301)
                    ],
                ),
            )
            job = ImportJob.objects.get()
            url = reverse("import:job", args=[job.pk])
            assert response.status_code == 302 and response["Location"] == url
            (thread,) = [t for t in threading.enumerate() if t.name == f"import-job-{job.pk}"]
            assert thread.is_alive() and thread is not threading.current_thread()
            page = staff_client.get(url).content.decode()
            assert "排队中" in page and f'hx-get="{url}" hx-trigger="every 1s"' in page
            job.refresh_from_db()
            assert job.status == "pending" and Member.objects.count() == 1
        block = ""
        for _ in range(2000):  # what htmx does, every 1 s; here faster
            block = staff_client.get(url, headers={"HX-Request": "true"}).content.decode()
            if 'hx-trigger="every 1s"' not in block:
                break
            time.sleep(0.02)
        thread.join(timeout=60)
    finally:
        if sqlite:
            with connection.cursor() as cur:
                cur.execute("PRAGMA read_uncommitted = 0")
    assert not thread.is_alive()
    assert "全部 300 行已导入" in block
    job.refresh_from_db()
    assert (job.status, job.created_count, job.committed) == ("done", 300, True)
    assert Member.objects.filter(name__startswith="党员").count() == 300


def test_page_upload_imports_synchronously_when_the_thread_is_off(
    staff_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The tests' setting: the import runs inside the upload's request, in no other thread."""
    before = set(threading.enumerate())
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "members", xlsx("members", [member_row(1)]))

    assert response.status_code == 302
    assert ImportJob.objects.get().status == "done"
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("import-job-")]


def test_page_broken_file_result(staff_client: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "members", xlsx("members", [member_row(1)], headers=["名字", "证件"]))

    page = staff_client.get(response["Location"]).content.decode()
    assert "文件无法导入，未写入任何数据" in page
    assert "表头与模板不一致" in page


@pytest.mark.parametrize(
    ("content", "name"),
    [
        pytest.param("姓名,身份证号\n".encode(), "roster.csv", id="csv"),
        pytest.param("姓名,身份证号\n".encode(), "roster.xlsx", id="csv-renamed"),
    ],
)
def test_page_upload_non_xlsx_is_422(staff_client: Any, content: bytes, name: str) -> None:
    response = upload(staff_client, "members", io.BytesIO(content), name=name)

    assert response.status_code == 422
    assert ".xlsx" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_page_member_user_gets_403(client: Any, w: SimpleNamespace) -> None:
    client.force_login(w.member_user)

    assert client.get(reverse("import:index")).status_code == 403
    assert client.get(reverse("import:template", args=["members"])).status_code == 403
    assert upload(client, "members", xlsx("members", [member_row(1)])).status_code == 403
    assert Member.objects.count() == 1


def test_page_job_of_another_user_is_404(client: Any, w: SimpleNamespace) -> None:
    job = ImportJob.objects.create(user=w.staff_a, kind="members", status="done")
    client.force_login(w.staff_b)

    assert client.get(reverse("import:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("import:job_errors", args=[job.pk])).status_code == 404


def test_page_anonymous_is_sent_to_login(client: Any, w: SimpleNamespace) -> None:
    response = client.get(reverse("import:index"))

    assert response.status_code == 302
    assert "login" in response["Location"]


# --- the task -----------------------------------------------------------------------------------


def test_task_run_import_records_progress_and_deletes_the_upload(w: SimpleNamespace, settings: Any) -> None:
    job = ImportJob(user=w.staff_a, kind="members")
    job.file.save("x.xlsx", ContentFile(xlsx("members", [member_row(i) for i in range(1, 4)]).getvalue()), save=False)
    job.save()
    path = Path(job.file.path)

    run_import(job.pk)

    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.created_count, job.committed) == ("done", 3, 3, 3, True)
    assert job.errors == []
    assert job.finished_at is not None
    assert not job.file and not path.exists()


def test_task_run_import_stores_row_errors(w: SimpleNamespace) -> None:
    job = ImportJob(user=w.staff_a, kind="members")
    job.file.save("x.xlsx", ContentFile(xlsx("members", [member_row(1, 手机号="1")]).getvalue()), save=False)
    job.save()

    run_import(job.pk)

    job.refresh_from_db()
    assert job.status == "done" and job.committed is False
    assert job.errors == [{"row": 2, "column": "手机号", "message": "手机号应为11位，以1开头"}]


def test_task_run_import_missing_file_fails_cleanly(w: SimpleNamespace) -> None:
    job = ImportJob.objects.create(user=w.staff_a, kind="members", file="imports/gone.xlsx")

    run_import(job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    # A missing upload (a restore without the uploads folder) is named as such, not as an internal error.
    assert job.errors[0]["message"].startswith("上传的文件已不在服务器上")
    assert Member.objects.count() == 1


def test_task_run_import_twice_imports_once(w: SimpleNamespace) -> None:
    job = ImportJob.objects.create(user=w.staff_a, kind="members", status="done", created_count=7)

    run_import(job.pk)

    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 7)


def test_import_progress_moves_forward_also_without_a_dimension_element(w: SimpleNamespace, reader: str) -> None:
    """openpyxl's write-only files have no <dimension>: the bar still knows the row count."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("m")
    ws.append([c.title for c in TEMPLATES["members"]])
    for i in range(2500):
        ws.append(member_row(i, 身份证号=id_number(i % 1000, birth=f"1990010{1 + i // 1000}")))
    buf = io.BytesIO()
    wb.save(buf)
    calls: list[tuple[int, int]] = []

    result = import_xlsx(kind="members", file=buf, user=w.staff_a, progress=lambda d, t: calls.append((d, t)))

    assert result.created == 2500
    assert calls[0] == (1000 * 1, 2500 * 10)  # first reading tick (1 step a row of 10), against the counted total
    assert all(t == 25000 for _, t in calls)
    percents = [d * 100 // t for d, t in calls]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    assert len(calls) >= 8  # reading, checking and writing all report


# --- more bad rows and files ---------------------------------------------------------------------


def test_import_places_duplicate_code_in_file_names_both_rows(w: SimpleNamespace) -> None:
    rows = [
        ["A5", "安五小区", "小区", "A", ""],
        ["A6", "安六小区", "小区", "A", ""],
        ["A5", "安五花园", "小区", "A", ""],
    ]

    result = run("places", w.staff_a, rows)

    assert result.rejected == [
        RowError(2, "编码", "编码在文件中重复（与第4行相同）"),
        RowError(4, "编码", "编码在文件中重复（与第2行相同）"),
    ]
    assert not Place.objects.filter(code__in=["A5", "A6"]).exists()


def test_import_units_duplicate_party_org_name_within_a_unit(w: SimpleNamespace) -> None:
    rows = [
        unit_row(),
        unit_row(党组织名称="第一党支部", 党组织类型="党支部", 上级党组织名称="市司法局机关党委"),
        unit_row(党组织名称="第一党支部", 党组织类型="党支部", 上级党组织名称="市司法局机关党委"),
        # the same name in another unit is fine
        unit_row(
            单位编码="P001", 单位名称="阳光物业公司", 单位类型="非公企业", 党组织名称="第一党支部", 党组织类型="党支部"
        ),
    ]

    result = run("units", w.staff_a, rows)

    assert result.rejected == [
        RowError(3, "党组织名称", "同一单位内党组织名称重复（与第4行相同）"),
        RowError(4, "党组织名称", "同一单位内党组织名称重复（与第3行相同）"),
    ]
    assert not Unit.objects.filter(code__in=["S001", "P001"]).exists()


def test_import_units_party_org_parent_loop(w: SimpleNamespace) -> None:
    rows = [
        unit_row(党组织名称="甲党委", 上级党组织名称="乙党委"),
        unit_row(党组织名称="乙党委", 上级党组织名称="丙党委"),
        unit_row(党组织名称="丙党委", 上级党组织名称="甲党委"),
    ]

    result = run("units", w.staff_a, rows)

    assert result.rejected == [RowError(r, "上级党组织名称", "上级党组织形成循环") for r in (2, 3, 4)]
    assert not Unit.objects.filter(code="S001").exists()


def test_import_units_invalid_unit_kind(w: SimpleNamespace) -> None:
    result = run("units", w.staff_a, [unit_row(单位类型="个体户")])

    assert result.rejected == [
        RowError(2, "单位类型", "单位类型应为 机关、事业单位、国有企业、非公企业、社会组织 之一")
    ]
    assert not Unit.objects.filter(code="S001").exists()


REQUIRED = "必填项不能为空"


@pytest.mark.parametrize(
    ("kind", "row", "columns"),
    [
        pytest.param("places", ["", "", "", "A", "1"], ["编码", "名称", "类型"], id="places"),
        pytest.param(
            "units",
            ["", "", "", "", "是", "", "", ""],
            ["单位编码", "单位名称", "单位类型", "办公地点编码", "党组织名称", "党组织类型"],
            id="units",
        ),
        pytest.param("residents", ["", "13900000001", "", "3栋", ""], ["姓名", "居住地编码"], id="residents"),
    ],
)
def test_import_required_fields(w: SimpleNamespace, kind: str, row: list[Any], columns: list[str]) -> None:
    counts = (Place.objects.count(), Unit.objects.count(), Resident.objects.count())

    result = run(kind, w.staff_a, [row])

    assert result.rejected == [RowError(2, c, REQUIRED) for c in columns]
    assert (Place.objects.count(), Unit.objects.count(), Resident.objects.count()) == counts


@pytest.mark.parametrize(
    ("kind", "row", "column", "limit"),
    [
        pytest.param("members", member_row(1, 姓名="张" * 51), "姓名", 50, id="member-name"),
        pytest.param("residents", ["李" * 51, "", "A1", "", ""], "姓名", 50, id="resident-name"),
        pytest.param("places", ["X" * 33, "安五小区", "小区", "A", ""], "编码", 32, id="place-code"),
        pytest.param("places", ["A5", "安" * 101, "小区", "A", ""], "名称", 100, id="place-name"),
        pytest.param("units", unit_row(单位编码="S" * 33), "单位编码", 32, id="unit-code"),
        pytest.param("units", unit_row(单位名称="司" * 101), "单位名称", 100, id="unit-name"),
        pytest.param("units", unit_row(党组织名称="党" * 101), "党组织名称", 100, id="party-org-name"),
    ],
)
def test_import_too_long_values(w: SimpleNamespace, kind: str, row: list[Any], column: str, limit: int) -> None:
    counts = (Member.objects.count(), Place.objects.count(), Unit.objects.count(), Resident.objects.count())

    result = run(kind, w.staff_a, [row])

    assert result.rejected == [RowError(2, column, f"不能超过{limit}个字")]
    assert (Member.objects.count(), Place.objects.count(), Unit.objects.count(), Resident.objects.count()) == counts


def test_import_members_joined_party_in_the_future(w: SimpleNamespace) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    result = run("members", w.staff_a, [member_row(1, 入党日期=tomorrow.isoformat()), member_row(2)])

    assert result.rejected == [RowError(2, "入党日期", "入党日期不能晚于今天")]
    assert Member.objects.count() == 1


def test_import_residents_residence_must_not_be_a_community(w: SimpleNamespace) -> None:
    result = run("residents", w.staff_a, [["张三", "", "A", "", ""], ["李四", "", "A11", "", ""]])

    assert result.rejected == [RowError(2, "居住地编码", "居住地「A」是社区，应为小区、网格或楼栋")]
    assert Resident.objects.count() == 0


def edit_member(buf: io.BytesIO, filename: str, change: Any) -> io.BytesIO:
    """The same .xlsx with one zip member changed (or left out when `change` returns None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == filename:
                data = change(data)
            if data is not None:
                zout.writestr(item, data)
    out.seek(0)
    return out


def test_import_damaged_sheet_is_an_error_result(w: SimpleNamespace, reader: str) -> None:
    """A workbook that opens, whose sheet breaks off while it is being read."""
    buf = edit_member(xlsx("members", [member_row(1)]), "xl/worksheets/sheet1.xml", lambda d: d[: len(d) // 2])

    result = import_xlsx(kind="members", file=buf, user=w.staff_a)

    assert result.rejected == [RowError(0, "", "文件内容已损坏，无法读取。请在Excel中打开并另存为 .xlsx 后重试。")]
    assert (result.committed, result.created) == (False, 0)
    assert Member.objects.count() == 1


def test_import_workbook_without_a_worksheet(w: SimpleNamespace, reader: str) -> None:
    buf = edit_member(
        xlsx("members", [member_row(1)]), "xl/workbook.xml", lambda d: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d)
    )

    result = import_xlsx(kind="members", file=buf, user=w.staff_a)

    assert result.rejected == [RowError(0, "", "文件中没有工作表。")]
    assert Member.objects.count() == 1


def test_import_row_limit(w: SimpleNamespace, reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_ROWS", 3)

    over = run("members", w.staff_a, [member_row(i) for i in range(1, 5)])
    at = run("members", w.staff_a, [member_row(i) for i in range(1, 4)])

    assert over.rejected == [RowError(0, "", "单个文件最多 3 行数据，请拆分后分批导入。")]
    assert (over.committed, over.created) == (False, 0)
    assert (at.rejected, at.created) == ([], 3)
    assert Member.objects.count() == 4


def test_import_units_valid_only_writes_the_good_rows_and_drops_children_of_bad_ones(w: SimpleNamespace) -> None:
    rows = [
        unit_row(),
        unit_row(党组织名称="第一党总支", 党组织类型="党小组", 上级党组织名称="市司法局机关党委"),
        unit_row(党组织名称="第一党支部", 党组织类型="党支部", 上级党组织名称="第一党总支"),
        unit_row(党组织名称="第二党支部", 党组织类型="党支部", 上级党组织名称="市司法局机关党委"),
        unit_row(
            单位编码="P001",
            单位名称="阳光物业公司",
            单位类型="个体户",
            党组织名称="阳光物业党支部",
            党组织类型="党支部",
        ),
    ]

    result = run("units", w.staff_a, rows, valid_only=True)

    assert result.rejected == [
        RowError(3, "党组织类型", "党组织类型应为 党委、党总支、党支部 之一"),
        RowError(4, "上级党组织名称", "上级党组织「第一党总支」所在的行有错误"),
        RowError(6, "单位类型", "单位类型应为 机关、事业单位、国有企业、非公企业、社会组织 之一"),
    ]
    assert (result.created, result.committed) == (2, True)
    s = Unit.objects.get(code="S001")
    assert {(o.name, o.parent.name if o.parent else None) for o in s.party_orgs.select_related("parent")} == {
        ("市司法局机关党委", None),
        ("第二党支部", "市司法局机关党委"),
    }
    assert not Unit.objects.filter(code="P001").exists()


def test_page_job_errors_download_lists_every_rejected_row(
    staff_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [member_row(1), member_row(2, 手机号="123", 兴趣特长="烹饪"), member_row(3, 居住地编码="B1")]
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, "members", xlsx("members", rows))
    job = ImportJob.objects.get()

    response = staff_client.get(reverse("import:job_errors", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert list(wb.worksheets[0].iter_rows(values_only=True)) == [
        ("行号", "列", "原因"),
        (3, "手机号", "手机号应为11位，以1开头"),
        (3, "兴趣特长", "未知的兴趣特长：烹饪（请使用系统中已有的名称）"),
        (4, "居住地编码", "居住地编码「B1」不存在或不在您的管辖范围内"),
    ]


def test_page_job_errors_download_of_a_file_problem_has_no_row_number(
    staff_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, "members", io.BytesIO(b"PK\x03\x04" + b"\x00" * 200))
    job = ImportJob.objects.get()

    response = staff_client.get(reverse("import:job_errors", args=[job.pk]))

    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert list(wb.worksheets[0].iter_rows(values_only=True)) == [("行号", "列", "原因"), (None, None, NOT_XLSX)]
