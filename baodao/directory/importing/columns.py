"""The import file format: each roster kind's columns and Chinese headers, and kind labels (the
template workbook is importing.template). Headers and labels are a file format, plain Chinese constants."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from baodao.directory.models import PartyOrg, Place, Unit


@dataclass(frozen=True)
class Column:
    header: str  # without the "*" that marks a required column in the template
    required: bool
    rule: str
    example: str = ""
    width: int = 14
    text: bool = False  # formatted as text in the template, so Excel keeps ID numbers whole

    @property
    def title(self) -> str:
        return self.header + ("*" if self.required else "")


PLACE_KIND_LABELS = {
    "省": Place.Kind.PROVINCE,
    "市": Place.Kind.CITY,
    "区(县)": Place.Kind.DISTRICT,
    "区": Place.Kind.DISTRICT,
    "县": Place.Kind.DISTRICT,
    "区县": Place.Kind.DISTRICT,
    "街道": Place.Kind.STREET,
    "乡镇": Place.Kind.STREET,
    "社区": Place.Kind.COMMUNITY,
    "小区": Place.Kind.COMPOUND,
    "片区": Place.Kind.GRID,
    "网格": Place.Kind.GRID,
    "楼栋": Place.Kind.BUILDING,
}
PLACE_KIND_NAMES: dict[str, str] = {
    Place.Kind.PROVINCE: "省",
    Place.Kind.CITY: "市",
    Place.Kind.DISTRICT: "区(县)",
    Place.Kind.STREET: "街道",
    Place.Kind.COMMUNITY: "社区",
    Place.Kind.COMPOUND: "小区",
    Place.Kind.GRID: "网格",
    Place.Kind.BUILDING: "楼栋",
}
RESIDENCE_KINDS = {Place.Kind.COMPOUND, Place.Kind.GRID, Place.Kind.BUILDING}
UNIT_KIND_LABELS = {
    "机关": Unit.Kind.ORGAN,
    "事业单位": Unit.Kind.INSTITUTION,
    "国有企业": Unit.Kind.SOE,
    "非公企业": Unit.Kind.PRIVATE,
    "社会组织": Unit.Kind.SOCIAL,
}
UNIT_KIND_NAMES: dict[str, str] = {v: k for k, v in UNIT_KIND_LABELS.items()}
ORG_KIND_LABELS = {
    "党委": PartyOrg.Kind.COMMITTEE,
    "党总支": PartyOrg.Kind.GENERAL_BRANCH,
    "党支部": PartyOrg.Kind.BRANCH,
}
ORG_KIND_NAMES: dict[str, str] = {v: k for k, v in ORG_KIND_LABELS.items()}
YES_NO = {"是": True, "否": False, "": True}
LIST_SPLIT = re.compile(r"[、,，;；]+")
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")

TEMPLATES: dict[str, list[Column]] = {
    "places": [
        Column(
            "编码", True, "地点的唯一编码（建议用行政区划代码加序号），不能与已有编码重复", "420102001001", 18, True
        ),
        Column("名称", True, "地点名称，最多100字", "阳光小区", 20),
        Column("类型", True, "市、区(县)、街道、社区、小区、网格、楼栋 之一", "小区", 10),
        Column(
            "上级编码",
            False,
            "上级地点的编码：可以是系统中您管辖范围内的地点，也可以是本文件中的另一行；"
            "上级的层级必须高于本地点（如社区的上级是街道）。只有最高层级的地点可以不填",
            "420102001",
            18,
            True,
        ),
        Column("排序", False, "整数，数字小的排在前面；可不填", "1", 8),
    ],
    "units": [
        Column(
            "单位编码",
            True,
            "单位的唯一编码（如统一社会信用代码）；同一单位的多个党组织各占一行，重复填写单位信息",
            "",
            20,
            True,
        ),
        Column("单位名称", True, "单位全称，最多100字", "市司法局", 22),
        Column("单位类型", True, "机关、事业单位、国有企业、非公企业、社会组织 之一", "机关", 12),
        Column("办公地点编码", True, "单位办公所在地点的编码，须在您的管辖范围内", "420102001", 18, True),
        Column("党组织关系在本地", False, "是 或 否；不填视为“是”（驻地单位填“否”）", "是", 10),
        Column("党组织名称", True, "该单位下党组织的名称，同一单位内不能重复", "市司法局机关第一党支部", 26),
        Column("党组织类型", True, "党委、党总支、党支部 之一", "党支部", 12),
        Column(
            "上级党组织名称",
            False,
            "同一单位内、本文件中另一行的党组织名称；党支部的上级可以是党委或党总支，党总支的上级是党委",
            "市司法局机关党委",
            26,
        ),
    ],
    "members": [
        Column("姓名", True, "最多50字", "张三", 10),
        Column(
            "身份证号", True, "18位居民身份证号，末位X请大写；请将单元格设为文本，避免Excel改成科学计数法", "", 22, True
        ),
        Column("手机号", True, "11位手机号", "13800000000", 14, True),
        Column("单位编码", True, "系统中已有单位的编码", "", 20, True),
        Column("党组织名称", True, "该单位下已有党组织的名称", "市司法局机关第一党支部", 26),
        Column("居住地编码", True, "居住的小区、网格或楼栋的编码，须在您的管辖范围内", "420102001001", 18, True),
        Column("详细地址", False, "如 3栋2单元501", "3栋2单元501", 20),
        Column("入党日期", False, "YYYY-MM-DD，如 2005-07-01；也可以是Excel日期", "2005-07-01", 12),
        Column("兴趣特长", False, "系统中已有的兴趣特长名称，多个用“、”或“,”分隔", "", 20),
        Column("服务意愿", False, "系统中已有的服务意愿名称，多个用“、”或“,”分隔", "", 20),
    ],
    "residents": [
        Column("姓名", True, "最多50字", "李四", 10),
        Column("手机号", False, "11位手机号，可不填", "13900000000", 14, True),
        Column("居住地编码", True, "居住的小区、网格或楼栋的编码，须在您的管辖范围内", "420102001001", 18, True),
        Column("详细地址", False, "如 3栋2单元501", "3栋2单元501", 20),
        Column("特殊群体", False, "系统中已有的特殊群体名称，多个用“、”或“,”分隔，如 空巢老人、残疾人", "空巢老人", 20),
    ],
}
KIND_LABELS = {
    "places": gettext_lazy("地点"),
    "units": gettext_lazy("单位及党组织"),
    "members": gettext_lazy("在职党员"),
    "residents": gettext_lazy("居民"),
}
