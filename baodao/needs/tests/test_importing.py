"""Demands imported from the .xlsx template: the template round-trips, a bad row is reported with
its row number and reason and nothing is written, a good file is written whole."""

from __future__ import annotations

import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from baodao.needs.models import Demand, DemandEvent

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[object]], client: Client, community_pk: int) -> SimpleUploadedFile:
    """The template as downloaded, with `rows` typed in under its header (the example row replaced)."""
    template = client.get(f"/needs/staff/import/?community={community_pk}&template=1")
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("需求.xlsx", out.getvalue(), content_type=XLSX)


def test_a_good_file_is_written_whole(nw: SimpleNamespace) -> None:
    w = nw
    client = Client()
    client.force_login(w.community_staff)
    rows = [
        ["安一小区", "敲门组", "环境整治", "楼道堆满杂物需要清理", "微诉求", "十乱", "3栋有纸箱", "", "", ""],
        ["安一1栋", "微信群", "帮扶慰问", "90岁老人想要一份年货", "", "", "", "赵大爷", "13911112222", "春节前"],
    ]
    response = client.post(f"/needs/staff/import/?community={w.A.pk}", {"file": workbook(rows, client, w.A.pk)})
    assert response.status_code == 302
    got = {d.title: d for d in Demand.objects.all()}
    assert set(got) == {"楼道堆满杂物需要清理", "90岁老人想要一份年货"}
    first, second = got["楼道堆满杂物需要清理"], got["90岁老人想要一份年货"]
    assert (first.channel, first.governance, first.kind, first.place_id) == ("door", "luan", "appeal", w.A1.pk)
    assert (second.contact_name, second.contact_mobile, second.place_id) == ("赵大爷", "13911112222", w.A1_1.pk)
    assert DemandEvent.objects.filter(kind="submitted").count() == 2


def test_a_bad_row_is_named_and_nothing_is_written(nw: SimpleNamespace) -> None:
    w = nw
    client = Client()
    client.force_login(w.community_staff)
    rows = [
        ["安一小区", "敲门组", "环境整治", "楼道堆满杂物需要清理", "", "", "", "", "", ""],
        ["北一小区", "电话", "不存在的类别", "", "", "十好", "", "赵大爷", "", ""],
        ["安二小区", "问卷", "其他", "x" * 61, "", "", "", "", "1391111", ""],
    ]
    response = client.post(f"/needs/staff/import/?community={w.A.pk}", {"file": workbook(rows, client, w.A.pk)})
    assert response.status_code == 422
    errors = [(e.row, e.column) for e in response.context["errors"]]
    assert errors == [
        (3, "小区/楼栋"),
        (3, "小区问题"),
        (3, "居民手机号"),
        (3, "收集渠道"),
        (3, "类别"),
        (3, "需求"),
        (4, "居民手机号"),
        (4, "需求"),
    ]
    html = response.content.decode()
    assert "本社区没有“北一小区”" in html and "整份文件未导入" in html
    assert not Demand.objects.exists()


def test_not_an_xlsx_is_a_clear_422(nw: SimpleNamespace) -> None:
    client = Client()
    client.force_login(nw.community_staff)
    bad = SimpleUploadedFile("x.xlsx", b"name,phone\n", content_type=XLSX)
    response = client.post(f"/needs/staff/import/?community={nw.A.pk}", {"file": bad})
    assert response.status_code == 422
    assert "无法读取文件" in response.content.decode()
    assert not Demand.objects.exists()
