"""The demo city (issue 2 §5): deterministic master data at the scale of seed 000, or a province.

Everything is generated from one `random.Random(seed)`, so the same seed gives the same names,
codes and numbers (dates are relative to the day of loading, so terms can be "ending soon").

Fake identifiers, chosen so they can never belong to a real person:
- region codes start with 99 (no real province uses 99): province 990000, city k 99kk00,
  district d of city k 99kkdd; streets/communities/compounds/buildings extend the district code;
- ID numbers use the district code as region code and carry a valid GB 11643 check digit;
- mobiles are "140" + 8 digits: the 140 number block is reserved for IoT/data-only lines and is
  never given to a person, yet matches ^1[3-9]\\d{9}$.

Rows go in with bulk inserts (COPY on PostgreSQL for the big tables), one tree level of places at
a time, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from dateutil.relativedelta import relativedelta
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from baodao.accounts.models import Role, RoleAssignment, User
from baodao.accounts.services import user_create
from baodao.core import crypto, rules
from baodao.core.fields import EncryptedTextField
from baodao.core.validators import id_check_digit
from baodao.demo.clock import local_day
from baodao.directory import services
from baodao.directory.importing.plan import column_of
from baodao.directory.models import (
    Category,
    FirstSecretaryTerm,
    HeadAppointment,
    LeaderLink,
    Member,
    PartyOrg,
    Place,
    Resident,
    Unit,
    UnitAssignment,
    WorkTeam,
    WorkTeamMembership,
)
from baodao.reporting.models import MemberReport

DEMO_PASSWORD = "Baodao@2026"
DEFAULT_SEED = 2024
REGION_PREFIX = "99"
FAKE_MOBILE_PREFIX = "140"
BATCH = 10_000

Progress = Callable[[str], None]


# --- scale ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How much to generate. Totals are exact; per-parent counts are spread with some jitter."""

    name: str
    cities: int
    districts: int  # in total
    streets: int
    communities: int
    compounds: int  # compounds + grids
    buildings: tuple[int, int]  # per compound/grid, inclusive
    units: int
    big_units: int  # units with 10+ branches (e.g. 教育局 with 12 branches [seed 001])
    members: int  # in service (在职); retired and transferred members (离退休/调出) come on top
    first_secretaries: int  # terms in force; compounds beyond this number stay uncovered on purpose
    ending_soon: int  # terms that end within the `term_ending_warning_days` rule
    leaders_per_city: int
    residents: int
    grid_share: float = 0.2  # share of communities organised in 网格 rather than 小区
    province: bool = False


SCALES: dict[str, Scale] = {
    # Small enough for tests (well under a second).
    "tiny": Scale(
        name="tiny",
        cities=1,
        districts=2,
        streets=2,
        communities=4,
        compounds=10,
        buildings=(2, 3),
        units=6,
        big_units=1,
        members=150,
        first_secretaries=8,
        ending_soon=1,
        leaders_per_city=2,
        residents=40,
        grid_share=0.25,
    ),
    # The province code path (a province root, several cities with their own rules and leaders)
    # at test size.
    "tiny-province": Scale(
        name="tiny-province",
        cities=2,
        districts=3,
        streets=3,
        communities=7,
        compounds=16,
        buildings=(1, 2),
        units=8,
        big_units=0,
        members=200,
        first_secretaries=12,
        ending_soon=2,
        leaders_per_city=2,
        residents=30,
        grid_share=0.25,
        province=True,
    ),
    # 咸宁 [seed 000]: 54 communities, 402 compound branches, 121 units and work teams,
    # 366 first secretaries, 25 city leaders, 9,927 in-service members reported.
    "city": Scale(
        name="city",
        cities=1,
        districts=3,
        streets=10,
        communities=54,
        compounds=402,
        buildings=(4, 8),
        units=121,
        big_units=6,
        members=9_927,
        first_secretaries=366,
        ending_soon=10,
        leaders_per_city=25,
        residents=3_000,
    ),
    # Two orders of magnitude more (DOMAIN.md §2): for benchmarks on PostgreSQL.
    "province": Scale(
        name="province",
        cities=12,
        districts=96,
        streets=1_000,
        communities=10_000,
        compounds=75_000,
        buildings=(1, 3),
        units=20_000,
        big_units=800,
        members=1_000_000,
        first_secretaries=68_000,
        ending_soon=600,
        leaders_per_city=25,
        residents=200_000,
        province=True,
    ),
}


# --- names and identifiers -----------------------------------------------------------------------


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The most common surnames, each with a rough weight (per mille of the population).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
_TOP_WEIGHTS = (71, 70, 67, 54, 45, 31, 22, 20, 20, 19, 15, 14, 13, 13, 12, 12, 11, 10, 10, 9, 9, 8, 8, 7, 7, 7)
SURNAME_WEIGHTS: tuple[int, ...] = _TOP_WEIGHTS + (6,) * 6 + (5,) * 9 + (4,) * 8 + (3,) * 15 + (2,) * 28 + (1,) * 8
GIVEN_MALE = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国志文晨博峰亮东海兵毅成康星宏忠德振家嘉睿轩泽航"
)
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲桂丹萍红玉兰琳雪梅莉倩颖婷慧佳晶欣悦洁琴云蓉薇月璐瑶怡楠菲嘉欢岚秀英华"

# Halves of place names: 向+阳 = 向阳, 和+平 = 和平, 金+桂 = 金桂 ...
PLACE_FIRST = "向和幸光新文永长金银青绿春丽康宁东西南北兴民建友红翠柳桃清明星福安泰锦"
PLACE_SECOND = "阳平福明华昌安乐桂湖山水园岸城港桥泉坊林湾溪峰畔庭岭"
PLACE_PAIRS = tuple(a + b for a in PLACE_FIRST for b in PLACE_SECOND if a != b)
DISTRICT_NAMES = words("东湖 西山 南溪 北塘 青云 白沙 金桥 凤凰 龙泉 桂花 温泉 柳林 松山 鹤鸣 石门 梅岭")
COMPOUND_SUFFIXES = words("小区 花园 家园 苑 新村 嘉园 小区 公寓")
CN_DIGITS = "零一二三四五六七八九"

CITY_ORGANS = words(
    "委办公室 委组织部 委宣传部 委统战部 委政法委员会 纪委监委 人民政府办公室 发展和改革委员会 教育局 "
    "科学技术局 经济和信息化局 公安局 民政局 司法局 财政局 人力资源和社会保障局 自然资源和规划局 "
    "生态环境局 住房和城乡建设局 交通运输局 水利和湖泊局 农业农村局 商务局 文化和旅游局 卫生健康委员会 "
    "退役军人事务局 应急管理局 审计局 国有资产监督管理委员会 市场监督管理局 统计局 林业局 体育局 医疗保障局 "
    "城市管理执法局 信访局 行政审批局 机关事务服务中心 总工会 妇女联合会 残疾人联合会 科学技术协会 "
    "工商业联合会 人大常委会办公室 政协办公室 中级人民法院 人民检察院"
)
DISTRICT_ORGANS = words(
    "委办公室 委组织部 人民政府办公室 教育局 公安分局 民政局 司法局 财政局 人力资源和社会保障局 "
    "住房和城乡建设局 农业农村局 卫生健康局 应急管理局 市场监督管理局 城市管理执法局 退役军人事务局 "
    "人民法院 人民检察院"
)
INSTITUTIONS = words(
    "中心医院 中医医院 妇幼保健院 疾病预防控制中心 图书馆 博物馆 职业技术学院 广播电视台 "
    "公共资源交易中心 社会福利院 住房公积金中心 实验小学 实验中学 特殊教育学校 急救中心 不动产登记中心 "
    "社会保险服务中心 气象局 档案馆 规划设计研究院"
)
DISTRICT_INSTITUTIONS = words("人民医院 中医院 实验小学 实验中学 图书馆 文化馆 社会福利院 疾病预防控制中心")
SOE_CITY = words(
    "城投集团 水务集团 交通投资集团 文化旅游投资集团 国有资本投资运营集团 公交集团 燃气有限公司 "
    "农业发展集团 产业投资集团 建设投资集团 粮食储备有限公司 国有资产经营有限公司"
)
SOE_BRANCHES = words("国网{city}供电公司 中国移动{city}分公司 中国电信{city}分公司 中国邮政{city}分公司")
PRIVATE_INDUSTRIES = words(
    "科技 信息技术 建材 物流 医药 食品 纺织 电子 机械 商贸 新能源 农业科技 置业 环保科技 文化传媒"
)
SOCIAL_CITY = words(
    "律师协会 个体劳动者协会 志愿者协会 慈善总会 书法家协会 摄影家协会 作家协会 餐饮行业协会 "
    "物业管理协会 社会工作者协会 青年企业家协会 养老服务协会 心理咨询师协会 退役军人服务协会"
)
LEADER_TITLES = words(
    "市委书记 市长 市人大常委会主任 市政协主席 市委副书记 市委常委、常务副市长 市委常委、组织部部长 "
    "市委常委、宣传部部长 市委常委、统战部部长 市委常委、政法委书记 市委常委、纪委书记 市委常委、秘书长 "
    "副市长 副市长 副市长 副市长 市人大常委会副主任 市人大常委会副主任 市人大常委会副主任 市政协副主席 "
    "市政协副主席 市政协副主席 市中级人民法院院长 市人民检察院检察长 市委常委、市委直属机关工委书记"
)

CATEGORIES: dict[str, tuple[str, ...]] = {
    Category.Kind.SKILL: words("法律咨询 医疗保健 文艺演出 心理疏导 电脑维修 书法绘画 教育辅导 水电维修"),
    Category.Kind.INTENTION: words("政策宣传 法律咨询 环境整治 文体活动 医疗卫生 心理疏导 关爱帮扶 治安巡逻"),
    Category.Kind.SPECIAL_GROUP: words("困难群众 空巢老人 留守儿童 残疾人 困难妇女"),
    # volunteer service teams, DOMAIN.md §2 [seed 004]
    Category.Kind.TEAM_TYPE: words(
        "矛盾纠纷协调 治安维护协管 政策理论宣传 文体活动组织 医疗健康 政策法律 居家养老 纠纷调解 治安联防 业余文艺"
    ),
}

# Unit kinds and their share of the units; 机关 the most [seed 000].
UNIT_MIX = (
    (Unit.Kind.ORGAN, 0.50),
    (Unit.Kind.INSTITUTION, 0.23),
    (Unit.Kind.SOE, 0.10),
    (Unit.Kind.PRIVATE, 0.11),
    (Unit.Kind.SOCIAL, 0.06),
)
UNIT_WEIGHT: dict[str, float] = {
    Unit.Kind.ORGAN: 1.0,
    Unit.Kind.INSTITUTION: 1.2,
    Unit.Kind.SOE: 1.0,
    Unit.Kind.PRIVATE: 0.4,
    Unit.Kind.SOCIAL: 0.25,
}
MIN_UNIT_MEMBERS = 10
LAST_JOINED = dt.date(2025, 7, 1).toordinal()
LIVES_NEAR_SHARE = 0.35  # members of a unit who live in the community their unit is assigned to
# Members no longer in service, on top of those in service: a share per unit, 4 of 7 retired.
LEFT_SHARE = (0.04, 0.11)
RETIRED_OF_LEFT = 4 / 7


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (up to 99)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


def city_code(index: int) -> str:
    return f"{REGION_PREFIX}{index:02d}00"


def split_total(rng: random.Random, total: int, parts: int, *, minimum: int = 1, jitter: float = 0.4) -> list[int]:
    """Spread `total` over `parts` with some jitter; every part gets at least `minimum`; sums exactly."""
    if parts <= 0:
        return []
    if total < parts * minimum:
        raise ValueError("total too small for the minimum per part")
    weights = [rng.uniform(1 - jitter, 1 + jitter) for _ in range(parts)]
    return split_weighted(total, weights, minimum=minimum)


def split_weighted(total: int, weights: Sequence[float], *, minimum: int = 0) -> list[int]:
    """Largest-remainder split of `total` proportional to `weights`, at least `minimum` each."""
    spare = total - minimum * len(weights)
    scale = spare / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: spare - sum(counts)]:
        counts[i] += 1
    return [c + minimum for c in counts]


class PersonGen:
    """Names, ID numbers and mobiles for fake people, reproducible from the rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._cum = list(itertools.accumulate(SURNAME_WEIGHTS))
        self._ids: set[int] = set()
        # 140 + a bijection of a counter over 10^8 numbers: unique without remembering them.
        self._mobile_i = 0
        self._mobile_offset = rng.randrange(10**8)

    def gender(self) -> str:
        return Member.Gender.MALE if self.rng.random() < 0.55 else Member.Gender.FEMALE

    def name(self, gender: str) -> str:
        rng = self.rng
        surname = rng.choices(SURNAMES, cum_weights=self._cum)[0]
        chars = GIVEN_MALE if gender == Member.Gender.MALE else GIVEN_FEMALE
        given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
        return surname + given

    def birth_date(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, dt.date(last_year, 12, 31).toordinal()))

    def id_number(self, region: str, birth: dt.date, gender: str) -> str:
        """GB 11643: region(6) + birth date(8) + sequence(3, odd for men) + check digit; unique."""
        head = region + birth.strftime("%Y%m%d")
        odd = gender == Member.Gender.MALE
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if odd else 0)
            first17 = f"{head}{seq:03d}"
            key = int(first17)
            if key not in self._ids:
                self._ids.add(key)
                return first17 + id_check_digit(first17)

    def mobile(self) -> str:
        n = (self._mobile_i * 48_271 + self._mobile_offset) % 10**8  # 48271 is coprime with 10^8
        self._mobile_i += 1
        return f"{FAKE_MOBILE_PREFIX}{n:08d}"


def unit_names(rng: random.Random, *, city: str, districts: Sequence[str], kind: str, count: int) -> list[str]:
    """`count` distinct plausible names of units of `kind` for a city and its districts."""
    short = city.removesuffix("市")
    candidates: list[str] = []
    if kind == Unit.Kind.ORGAN:
        candidates += [city + d for d in CITY_ORGANS]
        candidates += [d + o for d in districts for o in DISTRICT_ORGANS]
    elif kind == Unit.Kind.INSTITUTION:
        candidates += [city + i for i in INSTITUTIONS]
        candidates += [d + i for d in districts for i in DISTRICT_INSTITUTIONS]
        candidates += [f"{city}第{cn_number(n)}中学" for n in range(1, 13)]
        candidates += [f"{d}第{cn_number(n)}小学" for d in districts for n in range(1, 16)]
    elif kind == Unit.Kind.SOE:
        candidates += [short + s for s in SOE_CITY] + [s.format(city=city) for s in SOE_BRANCHES]
        candidates += [f"{city}农村商业银行{d}支行" for d in districts]
        candidates += [f"{d}城市建设投资有限公司" for d in districts]
    elif kind == Unit.Kind.SOCIAL:
        candidates += [city + s for s in SOCIAL_CITY]
        candidates += [d + s for d in districts for s in SOCIAL_CITY[:6]]
    # Fixed lists first (shuffled), then combinations that never run out.
    rng.shuffle(candidates)
    if kind == Unit.Kind.PRIVATE:
        pairs = rng.sample(PLACE_PAIRS, min(count, len(PLACE_PAIRS)))
        candidates += [f"{short}{p}{rng.choice(PRIVATE_INDUSTRIES)}有限公司" for p in pairs]
    elif kind == Unit.Kind.SOCIAL:
        pairs = rng.sample(PLACE_PAIRS, min(count, len(PLACE_PAIRS)))
        candidates += [f"{short}{p}社会工作服务中心" for p in pairs]
    names: list[str] = []
    seen: set[str] = set()
    for name in candidates:
        if len(names) == count:
            break
        if name not in seen:
            seen.add(name)
            names.append(name)
    n = 1
    while len(names) < count:  # big provinces: numbered fallbacks
        name = f"{short}{kind_label(kind)}{n:04d}号"
        n += 1
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def kind_label(kind: str) -> str:
    labels: dict[str, str] = {
        Unit.Kind.ORGAN: "机关事务中心",
        Unit.Kind.INSTITUTION: "公共服务中心",
        Unit.Kind.SOE: "国有企业",
        Unit.Kind.PRIVATE: "企业",
        Unit.Kind.SOCIAL: "社会组织",
    }
    return labels[kind]


# --- inserting -----------------------------------------------------------------------------------


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _parent(place: Place) -> Place:
    """The parent of a place below the top, held in memory by the generator."""
    assert place.parent is not None, place.code
    return place.parent


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(*model_list: type[models.Model]) -> None:
    """After rows went in with explicit keys, point the id sequences past them (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    if statements:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


def _copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    qn = connection.ops.quote_name
    sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def drop_foreign_keys(model_list: Sequence[type[models.Model]]) -> list[tuple[str, str, str]]:
    """On PostgreSQL, drop the foreign keys of these tables; `add_foreign_keys` puts them back.

    Adding a foreign key checks the whole table in one join, where a kept one checks (and
    key-share locks) the referenced row once per inserted row at commit, which cost more than the
    inserts themselves at province scale. The DDL is part of the load's transaction: if the load
    fails, the rollback restores the keys.
    """
    if not _postgresql():
        return []
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [[m._meta.db_table for m in model_list]],
        )
        keys = cur.fetchall()
        for table, name, _ in keys:
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {qn(name)}")
    return keys


def add_foreign_keys(keys: list[tuple[str, str, str]]) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        for table, name, definition in keys:
            cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {qn(name)} {definition}")


M = TypeVar("M", bound=models.Model)


def insert_objects(model: type[M], objs: Sequence[M]) -> None:
    """Bulk insert model instances that carry their own primary keys (COPY on PostgreSQL).

    Encrypted fields go through their own `get_prep_value`, so they are encrypted exactly as by
    `save()` and `bulk_create()`; the other columns are plain values psycopg adapts by itself.
    """
    if not objs:
        return
    if not _postgresql():
        model._default_manager.bulk_create(objs, batch_size=2_000)
        return
    fields = list(model._meta.concrete_fields)
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    getters = [
        (lambda obj, f=f: f.get_prep_value(getattr(obj, f.attname)))
        if isinstance(f, EncryptedTextField)
        else operator.attrgetter(f.attname)
        for f in fields
    ]
    columns = [column_of(model, f.name) for f in fields]
    _copy_rows(model._meta.db_table, columns, ([g(obj) for g in getters] for obj in objs))


def insert_pairs(through: type[models.Model], left: str, right: str, pairs: list[tuple[int, int]]) -> None:
    """Rows of an m2m through table (no signals, like any bulk insert)."""
    if not pairs:
        return
    if _postgresql():
        opts = through._meta
        _copy_rows(opts.db_table, [column_of(through, left), column_of(through, right)], pairs)
    else:
        through._default_manager.bulk_create(
            [through(**{f"{left}_id": a, f"{right}_id": b}) for a, b in pairs], batch_size=5_000
        )


# --- the load ------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    scale: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _UnitPlan:
    unit: Unit
    city: int
    community: Place
    members: int = 0
    big: bool = False
    branches: list[int] = field(default_factory=list)
    # (member id, lives in the assigned community) for members in service
    pool: list[tuple[int, bool]] = field(default_factory=list)


class _Loader:
    def __init__(self, scale: Scale, seed: int, progress: Progress | None) -> None:
        self.s = scale
        self.rng = random.Random(seed)
        self.people = PersonGen(self.rng)
        self.progress = progress or (lambda _msg: None)
        self.today = local_day(timezone.now())
        self.result = DemoResult(scale=scale.name, seed=seed)
        self.cities: list[Place] = []
        self.districts: list[Place] = []
        self.streets: list[Place] = []
        self.communities: list[Place] = []
        self.compounds: list[Place] = []
        self.buildings: list[Place] = []
        self.city_of: dict[int, int] = {}  # place pk (district and below) -> city index
        self.district_of: dict[int, Place] = {}  # community/building pk -> district
        self.community_buildings: dict[int, list[int]] = {}
        self.city_buildings: list[list[int]] = []
        self.building_address: dict[int, str] = {}
        self.building_compound: dict[int, int] = {}
        self.units: list[_UnitPlan] = []
        self.categories: dict[str, list[int]] = {}

    # -- helpers --

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        yield
        took = time.perf_counter() - start
        self.result.timings.append((label, took))
        self.progress(f"  {label}: {took:.1f} s (Python {time.process_time() - cpu:.1f} s)")

    def count(self, key: str, n: int) -> None:
        self.result.counts[key] = self.result.counts.get(key, 0) + n

    # -- stages --

    def run(self) -> DemoResult:
        start = time.perf_counter()
        with transaction.atomic():
            keys = drop_foreign_keys(self.bulk_models())
            with self.stage("分类与地点 / categories and places"):
                self.load_categories()
                self.load_places()
            with self.stage("规则 / rules"):
                for city in self.cities:
                    services.rules_seed(city=city)
            with self.stage("单位与党组织 / units and party orgs"):
                self.load_units()
            with self.stage("在职党员 / members"):
                self.load_members()
            with self.stage("工作队、第一书记、市级领导 / teams, first secretaries, leaders"):
                self.load_teams()
                self.load_first_secretaries()
                self.load_leaders()
            with self.stage("居民与三长 / residents and heads"):
                self.load_residents_and_heads()
            with self.stage("演示账号 / demo accounts"):
                self.load_accounts()
            if keys:
                with self.stage("外键检查 / foreign key checks"):
                    add_foreign_keys(keys)
            _reset_sequences(Place, Member, Resident)
        self.result.seconds = time.perf_counter() - start
        return self.result

    @staticmethod
    def bulk_models() -> list[type[models.Model]]:
        return [
            Place,
            Unit,
            PartyOrg,
            UnitAssignment,
            Member,
            Member.skills.through,
            Member.intentions.through,
            WorkTeam,
            WorkTeamMembership,
            FirstSecretaryTerm,
            LeaderLink,
            Resident,
            Resident.special_groups.through,
            HeadAppointment,
        ]

    def load_categories(self) -> None:
        for kind, names in CATEGORIES.items():
            existing = set(Category.objects.filter(kind=kind).values_list("name", flat=True))
            Category.objects.bulk_create(
                [Category(kind=kind, name=n, sort_order=i) for i, n in enumerate(names) if n not in existing]
            )
            by_name = dict(Category.objects.filter(kind=kind).values_list("name", "pk"))
            self.categories[kind] = [by_name[n] for n in names]

    def load_places(self) -> None:
        s, rng = self.s, self.rng
        province = None
        if s.province:
            province = services.place_create(kind=Place.Kind.PROVINCE, code=f"{REGION_PREFIX}0000", name="示范省")
        for c in range(1, s.cities + 1):
            name = "示范市" if c == 1 else f"示范{cn_number(c)}市"
            self.cities.append(
                services.place_create(kind=Place.Kind.CITY, code=city_code(c), name=name, parent=province, sort_order=c)
            )
        self.count("cities", len(self.cities))

        # districts
        per_city = split_total(rng, s.districts, s.cities, jitter=0.2)
        level: list[Place] = []
        for city, n in zip(self.cities, per_city, strict=True):
            names = rng.sample(DISTRICT_NAMES, min(n, len(DISTRICT_NAMES)))
            for d in range(n):
                base = names[d] if d < len(names) else f"{names[d % len(names)]}{cn_number(d // len(names) + 1)}"
                suffix = "县" if d == n - 1 and n > 2 else "区"
                level.append(
                    Place(kind=Place.Kind.DISTRICT, parent=city, code=f"{city.code[:4]}{d + 1:02d}", name=base + suffix)
                )
                level[-1].sort_order = d + 1
        self.districts = self.insert_places(level)
        for district in self.districts:
            self.city_of[district.pk] = self.cities.index(_parent(district))

        self.streets = self._children(self.districts, s.streets, Place.Kind.STREET, "{name}街道", digits=3, minimum=1)
        self.communities = self._children(
            self.streets, s.communities, Place.Kind.COMMUNITY, "{name}社区", digits=3, minimum=2
        )

        # compounds and grids: some communities are organised in 网格
        per_comm = split_total(rng, s.compounds, len(self.communities), minimum=2, jitter=0.5)
        level = []
        for comm, n in zip(self.communities, per_comm, strict=True):
            grid = rng.random() < s.grid_share
            pairs = iter(rng.sample(PLACE_PAIRS, n))
            for k in range(n):
                if grid:
                    kind, name = Place.Kind.GRID, f"第{cn_number(k + 1)}网格"
                else:
                    kind, name = Place.Kind.COMPOUND, next(pairs) + rng.choice(COMPOUND_SUFFIXES)
                level.append(Place(kind=kind, parent=comm, code=f"{comm.code}{k + 1:03d}", name=name, sort_order=k + 1))
        self.compounds = self.insert_places(level)

        level = []
        low, high = s.buildings
        for comp in self.compounds:
            for b in range(rng.randint(low, high)):
                level.append(
                    Place(
                        kind=Place.Kind.BUILDING,
                        parent=comp,
                        code=f"{comp.code}{b + 1:02d}",
                        name=f"{b + 1}栋",
                        sort_order=b + 1,
                    )
                )
        self.buildings = self.insert_places(level)

        # lookups for the later stages (parents are in memory: no queries)
        street_district = {st.pk: _parent(st) for st in self.streets}
        comm_district = {cm.pk: street_district[_parent(cm).pk] for cm in self.communities}
        for cm in self.communities:
            self.city_of[cm.pk] = self.city_of[comm_district[cm.pk].pk]
            self.district_of[cm.pk] = comm_district[cm.pk]
            self.community_buildings[cm.pk] = []
        self.city_buildings = [[] for _ in self.cities]
        for bld in self.buildings:
            comp = _parent(bld)
            self.community_buildings[_parent(comp).pk].append(bld.pk)
            self.city_buildings[self.city_of[_parent(comp).pk]].append(bld.pk)
            self.building_address[bld.pk] = comp.name + bld.name if comp.kind == Place.Kind.COMPOUND else bld.name
            self.building_compound[bld.pk] = comp.pk
            self.district_of[bld.pk] = comm_district[_parent(comp).pk]
        for key, rows in (
            ("districts", self.districts),
            ("streets", self.streets),
            ("communities", self.communities),
            ("compounds", self.compounds),
            ("buildings", self.buildings),
        ):
            self.count(key, len(rows))

    def insert_places(self, level: list[Place]) -> list[Place]:
        """One tree level, like `services.places_bulk_create`, but keys are chosen before the insert
        so every path is known up front: one pass and no UPDATE. (The UPDATE of paths took 165 s of
        the province's 235k places on PostgreSQL.)"""
        pk = _next_id(Place)
        for p in level:
            p.pk, p.depth = pk, _parent(p).depth + 1
            p.path = services.place_path(p.parent, pk)
            p.sort_key = services.place_sort_key(p.parent, p.sort_order, p.code)
            pk += 1
        insert_objects(Place, level)
        return level

    def _children(
        self, parents: list[Place], total: int, kind: str, pattern: str, *, digits: int, minimum: int
    ) -> list[Place]:
        rng = self.rng
        per_parent = split_total(rng, total, len(parents), minimum=minimum, jitter=0.3)
        level = []
        for parent, n in zip(parents, per_parent, strict=True):
            names = rng.sample(PLACE_PAIRS, n)
            for k, name in enumerate(names):
                level.append(
                    Place(
                        kind=kind,
                        parent=parent,
                        code=f"{parent.code}{k + 1:0{digits}d}",
                        name=pattern.format(name=name),
                        sort_order=k + 1,
                    )
                )
        return self.insert_places(level)

    def load_units(self) -> None:
        s, rng = self.s, self.rng
        comm_by_city: list[list[Place]] = [[] for _ in self.cities]
        for cm in self.communities:
            comm_by_city[self.city_of[cm.pk]].append(cm)
        units_per_city = split_weighted(s.units, [len(c) for c in comm_by_city])
        district_names = [[d.name for d in self.districts if d.parent_id == c.pk] for c in self.cities]
        comm_by_district: dict[int, list[Place]] = {}
        for cm in self.communities:
            comm_by_district.setdefault(self.district_of[cm.pk].pk, []).append(cm)

        start_ord = self.today.toordinal()
        unit_rows: list[Unit] = []
        assignments: list[UnitAssignment] = []
        serial = 0
        for ci, city in enumerate(self.cities):
            n_units = units_per_city[ci]
            kinds = split_weighted(n_units, [share for _, share in UNIT_MIX])
            plans: list[tuple[str, str]] = []
            for (kind, _), k in zip(UNIT_MIX, kinds, strict=True):
                plans += [
                    (kind, name)
                    for name in unit_names(rng, city=city.name, districts=district_names[ci], kind=kind, count=k)
                ]
            rng.shuffle(plans)
            # Balanced (总体平衡): walk the city's communities in a shuffled order, round robin.
            order = list(comm_by_city[ci])
            rng.shuffle(order)
            for i, (unit_kind, name) in enumerate(plans):
                serial += 1
                community = order[i % len(order)]
                # Near (就近就便): the office is in the same district as the community.
                office = rng.choice(comm_by_district[self.district_of[community.pk].pk])
                local = not (unit_kind in (Unit.Kind.SOE, Unit.Kind.INSTITUTION) and rng.random() < 0.1)
                unit = Unit(
                    name=name,
                    code=f"{city.code}{serial:06d}",
                    kind=unit_kind,
                    office_place=office,
                    party_relation_local=local,
                )
                unit_rows.append(unit)
                self.units.append(_UnitPlan(unit=unit, city=ci, community=community))
        Unit.objects.bulk_create(unit_rows, batch_size=5_000)
        for plan in self.units:
            start = dt.date.fromordinal(start_ord - rng.randint(120, 900))
            assignments.append(UnitAssignment(unit=plan.unit, community=plan.community, start_on=start))
        UnitAssignment.objects.bulk_create(assignments, batch_size=5_000)

        # members per unit: weighted by kind, a few big units
        big = set(rng.sample(range(len(self.units)), min(s.big_units, len(self.units))))
        weights = []
        for i, plan in enumerate(self.units):
            w = UNIT_WEIGHT[plan.unit.kind] * rng.uniform(0.5, 1.5)
            if i in big:
                plan.big = True
                w *= 4
            weights.append(w)
        for plan, n in zip(self.units, split_weighted(s.members, weights, minimum=MIN_UNIT_MEMBERS), strict=True):
            plan.members = n

        # party org trees: 党委 -> (党总支 ->) 党支部; members belong to the 党支部 (leaves)
        roots: list[PartyOrg] = []
        shapes: list[int] = []
        for plan in self.units:
            n_branches = rng.randint(10, 14) if plan.big else max(1, min(6, round(plan.members / 30)))
            shapes.append(n_branches)
            org_kind = PartyOrg.Kind.COMMITTEE if n_branches >= 3 else PartyOrg.Kind.GENERAL_BRANCH
            label = "委员会" if org_kind == PartyOrg.Kind.COMMITTEE else "总支部委员会"
            roots.append(PartyOrg(unit=plan.unit, kind=org_kind, name=f"中共{plan.unit.name}{label}"))
        PartyOrg.objects.bulk_create(roots, batch_size=5_000)
        middles: list[PartyOrg] = []
        middle_of: list[list[PartyOrg]] = []
        for plan, root in zip(self.units, roots, strict=True):
            mids = []
            if plan.big:  # big units: a level of 党总支 between 党委 and 党支部
                for g in range(rng.randint(2, 3)):
                    mids.append(
                        PartyOrg(
                            unit=plan.unit,
                            parent=root,
                            kind=PartyOrg.Kind.GENERAL_BRANCH,
                            name=f"{plan.unit.name}第{cn_number(g + 1)}党总支",
                        )
                    )
            middles += mids
            middle_of.append(mids)
        PartyOrg.objects.bulk_create(middles, batch_size=5_000)
        branches: list[PartyOrg] = []
        owner: list[_UnitPlan] = []
        for plan, root, mids, n_branches in zip(self.units, roots, middle_of, shapes, strict=True):
            for b in range(n_branches):
                parent = mids[b % len(mids)] if mids else root
                branches.append(
                    PartyOrg(
                        unit=plan.unit,
                        parent=parent,
                        kind=PartyOrg.Kind.BRANCH,
                        name=f"{plan.unit.name}第{cn_number(b + 1)}党支部",
                    )
                )
                owner.append(plan)
        PartyOrg.objects.bulk_create(branches, batch_size=5_000)
        for plan, br in zip(owner, branches, strict=True):
            plan.branches.append(br.pk)
        self.count("units", len(unit_rows))
        self.count("assignments", len(assignments))
        self.count("party_orgs", len(roots) + len(middles) + len(branches))

    def load_members(self) -> None:
        rng, people = self.rng, self.people
        skills = self.categories[Category.Kind.SKILL]
        intentions = self.categories[Category.Kind.INTENTION]
        next_id = _next_id(Member)
        batch: list[Member] = []
        skill_pairs: list[tuple[int, int]] = []
        intention_pairs: list[tuple[int, int]] = []
        status_in, status_ret, status_out = (
            Member.Status.IN_SERVICE,
            Member.Status.RETIRED,
            Member.Status.TRANSFERRED,
        )
        total = 0

        def flush() -> None:
            for m in batch:
                services.member_fill_secrets(m)
            insert_objects(Member, batch)
            insert_pairs(Member.skills.through, "member", "category", skill_pairs)
            insert_pairs(Member.intentions.through, "member", "category", intention_pairs)
            batch.clear()
            skill_pairs.clear()
            intention_pairs.clear()

        in_service = 0
        for plan in self.units:
            near = self.community_buildings[plan.community.pk]
            near_set = set(near)
            anywhere = self.city_buildings[plan.city]
            # `plan.members` are in service (the seeds count those); the ones who left come on top.
            left = round(plan.members * rng.uniform(*LEFT_SHARE))
            statuses = [status_in] * plan.members
            statuses += [status_ret if rng.random() < RETIRED_OF_LEFT else status_out for _ in range(left)]
            rng.shuffle(statuses)
            for i, status in enumerate(statuses):
                gender = people.gender()
                birth = people.birth_date(1958, 1965) if status == status_ret else people.birth_date(1966, 2000)
                lives_near = rng.random() < LIVES_NEAR_SHARE
                building = rng.choice(near if lives_near else anywhere)
                region = self.district_of[building].code
                joined = dt.date.fromordinal(min(birth.toordinal() + rng.randint(18 * 365, 40 * 365), LAST_JOINED))
                member = Member(
                    pk=next_id,
                    name=people.name(gender),
                    gender=gender,
                    birth_date=birth,
                    id_number=people.id_number(region, birth, gender),
                    mobile=people.mobile(),
                    unit_id=plan.unit.pk,
                    party_org_id=plan.branches[i % len(plan.branches)],
                    residence_id=building,
                    address_detail=f"{self.building_address[building]}{rng.randint(1, 3)}单元"
                    f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室",
                    status=status,
                    joined_party_on=joined,
                )
                batch.append(member)
                for cat in rng.sample(skills, rng.randint(0, 2)):
                    skill_pairs.append((next_id, cat))
                for cat in rng.sample(intentions, rng.randint(1, 3)):
                    intention_pairs.append((next_id, cat))
                if status == status_in:
                    plan.pool.append((next_id, building in near_set))
                    in_service += 1
                next_id += 1
                total += 1
                if len(batch) >= BATCH:
                    flush()
                    if total % 100_000 == 0:
                        self.progress(f"    {in_service:,} / {self.s.members:,}")
        flush()
        self.count("members", total)
        self.count("members_in_service", in_service)

    def load_teams(self) -> None:
        rng = self.rng
        teams = [
            WorkTeam(unit=p.unit, community=p.community, name=f"{p.unit.name}驻{p.community.name}工作队")
            for p in self.units
        ]
        WorkTeam.objects.bulk_create(teams, batch_size=5_000)
        rows: list[WorkTeamMembership] = []
        assignment_start = dict(UnitAssignment.objects.filter(ended_on__isnull=True).values_list("unit_id", "start_on"))
        for plan, team in zip(self.units, teams, strict=True):
            # members who live in the community first: they can be there after work
            near = [m for m, here in plan.pool if here]
            far = [m for m, here in plan.pool if not here]
            chosen = (rng.sample(near, min(len(near), 8)) + rng.sample(far, min(len(far), 8)))[: rng.randint(3, 8)]
            start = assignment_start[plan.unit.pk]
            for k, member_id in enumerate(chosen):
                role = WorkTeamMembership.Role.LEADER if k == 0 else WorkTeamMembership.Role.MEMBER
                rows.append(WorkTeamMembership(team=team, member_id=member_id, role=role, start_on=start))
        WorkTeamMembership.objects.bulk_create(rows, batch_size=5_000)
        self.count("work_teams", len(teams))
        self.count("work_team_members", len(rows))

    def load_first_secretaries(self) -> None:
        """366 of 402 compounds get one [seed 000]; the rest stay uncovered, for the coverage figures."""
        s, rng = self.s, self.rng
        by_community: dict[int, list[_UnitPlan]] = {}
        for plan in self.units:
            by_community.setdefault(plan.community.pk, []).append(plan)
        pools = {id(p): [m for m, _ in p.pool] for p in self.units}
        for unit_pool in pools.values():
            rng.shuffle(unit_pool)
        by_city: list[list[_UnitPlan]] = [[] for _ in self.cities]
        for plan in self.units:
            by_city[plan.city].append(plan)
        covered = sorted(rng.sample(range(len(self.compounds)), min(s.first_secretaries, len(self.compounds))))
        ending = set(rng.sample(covered, min(s.ending_soon, len(covered))))
        years_by_city = [rules.get_rule_int("first_secretary_term_years", city=c) for c in self.cities]
        warn_by_city = [rules.get_rule_int("term_ending_warning_days", city=c) for c in self.cities]
        rows: list[FirstSecretaryTerm] = []
        turn: dict[int, int] = {}
        for idx in covered:
            comp = self.compounds[idx]
            comm_id = _parent(comp).pk
            ci = self.city_of[comm_id]
            # Units assigned to the community first, then any unit of the same city, so the count is exact.
            plans = by_community.get(comm_id, [])
            k = turn.get(comm_id, 0)
            turn[comm_id] = k + 1
            candidates = [plans[(k + j) % len(plans)] for j in range(len(plans))] + by_city[ci]
            pool: list[int] | None = next((pools[id(p)] for p in candidates if pools[id(p)]), None)
            if pool is None:
                raise ValueError("scale has fewer members in service than first secretaries")
            member_id = pool.pop()
            years, warn = years_by_city[ci], warn_by_city[ci]
            # Pick the end first: it is what the "ending soon" window looks at.
            if idx in ending:
                end = self.today + dt.timedelta(days=rng.randint(1, warn))
            else:
                end = self.today + dt.timedelta(days=rng.randint(warn + 1, 365 * years))
            start = end - relativedelta(years=years)
            rows.append(FirstSecretaryTerm(member_id=member_id, place=comp, start_on=start, end_on=end))
        FirstSecretaryTerm.objects.bulk_create(rows, batch_size=5_000)
        self.count("first_secretaries", len(rows))

    def load_leaders(self) -> None:
        s, rng, people = self.s, self.rng, self.people
        rows: list[LeaderLink] = []
        for ci in range(len(self.cities)):
            comms = [cm for cm in self.communities if self.city_of[cm.pk] == ci]
            n = min(s.leaders_per_city, len(comms))
            rng.shuffle(comms)
            sizes = split_weighted(len(comms), [1.0] * n, minimum=1)
            pos = 0
            for k, size in enumerate(sizes):
                gender = people.gender()
                name = people.name(gender)
                title = LEADER_TITLES[k % len(LEADER_TITLES)]
                start = self.today - dt.timedelta(days=rng.randint(60, 700))
                for cm in comms[pos : pos + size]:
                    rows.append(LeaderLink(leader_name=name, title=title, community=cm, start_on=start))
                pos += size
        LeaderLink.objects.bulk_create(rows, batch_size=5_000)
        self.count("leader_links", len(rows))

    def load_residents_and_heads(self) -> None:
        s, rng, people = self.s, self.rng, self.people
        groups = self.categories[Category.Kind.SPECIAL_GROUP]
        next_id = _next_id(Resident)
        all_buildings = [b.pk for b in self.buildings]
        residents: list[Resident] = []
        group_pairs: list[tuple[int, int]] = []
        by_building: dict[int, list[tuple[int, str]]] = {}
        for _ in range(s.residents):
            building = rng.choice(all_buildings)
            gender = people.gender()
            name = people.name(gender)
            r = Resident(
                pk=next_id,
                name=name,
                residence_id=building,
                address_detail=f"{self.building_address[building]}{rng.randint(1, 3)}单元"
                f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室",
            )
            if rng.random() < 0.85:
                r.mobile = people.mobile()
                r.mobile_hash = crypto.lookup_hash(r.mobile)
            residents.append(r)
            if rng.random() < 0.2:
                for g in rng.sample(groups, rng.randint(1, 2)):
                    group_pairs.append((next_id, g))
            by_building.setdefault(building, []).append((next_id, name))
            next_id += 1
            if len(residents) >= BATCH:
                insert_objects(Resident, residents)
                residents = []
        insert_objects(Resident, residents)
        insert_pairs(Resident.special_groups.through, "resident", "category", group_pairs)
        self.count("residents", s.residents)

        # 三长: 院长 for most compounds, 楼长 for some buildings, a few 户长 [seed 001][seed 004]
        by_compound: dict[int, list[tuple[int, str]]] = {}
        for b, people_here in by_building.items():
            by_compound.setdefault(self.building_compound[b], []).extend(people_here)
        heads: list[HeadAppointment] = []
        start = self.today - dt.timedelta(days=365)

        def head(kind: str, place_id: int, pool: list[tuple[int, str]]) -> HeadAppointment:
            if pool:
                rid, name = rng.choice(pool)
                return HeadAppointment(kind=kind, place_id=place_id, person_name=name, resident_id=rid, start_on=start)
            name = people.name(people.gender())
            return HeadAppointment(kind=kind, place_id=place_id, person_name=name, start_on=start)

        for comp in self.compounds:
            if comp.kind == Place.Kind.COMPOUND and rng.random() < 0.6:
                heads.append(head(HeadAppointment.Kind.COMPOUND_HEAD, comp.pk, by_compound.get(comp.pk, [])))
        for bld in self.buildings:
            roll = rng.random()
            if roll < 0.3:
                heads.append(head(HeadAppointment.Kind.BUILDING_HEAD, bld.pk, by_building.get(bld.pk, [])))
            elif roll < 0.35 and by_building.get(bld.pk):
                heads.append(head(HeadAppointment.Kind.HOUSEHOLD_HEAD, bld.pk, by_building[bld.pk]))
        HeadAppointment.objects.bulk_create(heads, batch_size=5_000)
        self.count("heads", len(heads))

    def load_accounts(self) -> None:
        """One account per role, all inside city 1 → district 1 → its first street → one community."""
        people = self.people
        city = self.cities[0]
        district = next(d for d in self.districts if d.parent_id == city.pk)
        street = next(st for st in self.streets if st.parent_id == district.pk)
        community = next(cm for cm in self.communities if cm.parent_id == street.pk)
        plan = next(p for p in self.units if p.community.pk == community.pk)
        unit = plan.unit
        comm_path = community.path
        member = (
            Member.objects.filter(unit=unit, status=Member.Status.IN_SERVICE, residence__path__startswith=comm_path)
            .order_by("pk")
            .first()
        )
        if member is None:  # very small scales: move one member home to the community
            member = Member.objects.filter(unit=unit, status=Member.Status.IN_SERVICE).order_by("pk").first()
            assert member is not None, unit.code  # every unit has members in service
            member.residence_id = self.community_buildings[community.pk][0]
            member.save(update_fields=["residence"])
        compound_id = self.building_compound.get(member.residence_id, member.residence_id)
        # A neighbour from the same unit who has not reported yet: the path `member` has taken.
        member2 = (
            Member.objects.filter(unit=unit, status=Member.Status.IN_SERVICE, residence__path__startswith=comm_path)
            .exclude(pk=member.pk)
            .order_by("pk")
            .first()
        )
        if member2 is None:
            member2 = (
                Member.objects.filter(unit=unit, status=Member.Status.IN_SERVICE).exclude(pk=member.pk).order_by("pk")
            ).first()
            assert member2 is not None, unit.code  # every unit has two members in service or more
            member2.residence_id = member.residence_id
            member2.save(update_fields=["residence"])
        resident = Resident.objects.filter(residence__path__startswith=comm_path).order_by("pk").first()
        if resident is None:
            resident = Resident.objects.order_by("pk").first()
            assert resident is not None  # the residents are loaded before the demo users
            resident.residence_id = self.community_buildings[community.pk][0]
            resident.save(update_fields=["residence"])

        def staff(username: str, role: str, **scope: object) -> User:
            name = people.name(people.gender())
            return user_create(
                username=username,
                password=DEMO_PASSWORD,
                display_name=name,
                mobile=people.mobile(),  # the contact a certificate of the community prints
                roles=[{"role": role, **scope}],
                validate=False,
            )

        staff("city", Role.CITY_ADMIN, place=city)
        staff("district", Role.DISTRICT_ADMIN, place=district)
        staff("street", Role.STREET_ADMIN, place=street)
        staff("community", Role.COMMUNITY_STAFF, place=community)
        staff("compound", Role.COMPOUND_SECRETARY, place_id=compound_id)
        staff("unit", Role.UNIT_SECRETARY, unit=unit)
        for username, m in (("member", member), ("member2", member2)):
            user = user_create(
                username=username,
                password=DEMO_PASSWORD,
                display_name=m.name,
                mobile=m.mobile,
                roles=[{"role": Role.MEMBER, "member": m}],
                validate=False,
            )
            Member.objects.filter(pk=m.pk).update(user=user)
        user = user_create(
            username="resident",
            password=DEMO_PASSWORD,
            display_name=resident.name,
            mobile=resident.mobile,
            roles=[{"role": Role.RESIDENT, "resident": resident}],
            validate=False,
        )
        Resident.objects.filter(pk=resident.pk).update(user=user)
        self.count("users", len(DEMO_USERNAMES))


# `member` has reported to his community and been confirmed (baodao/demo/reporting.py); `member2`,
# a neighbour from the same unit, has not: the two paths a member's phone shows.
DEMO_USERNAMES = ("city", "district", "street", "community", "compound", "unit", "member", "member2", "resident")


def demo_load(*, scale: str = "city", seed: int = DEFAULT_SEED, progress: Progress | None = None) -> DemoResult:
    """Generate the demo data in one transaction. Refuses when the demo city is already there."""
    if Place.objects.filter(code=city_code(1)).exists():
        raise DemoExists(city_code(1))
    if User.objects.filter(username__in=DEMO_USERNAMES).exists():
        raise DemoExists("users")
    return _Loader(SCALES[scale], seed, progress).run()


class DemoExists(Exception):
    """The demo data (or one of its accounts) is already in the database."""


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role in Chinese, what the account sees) for each demo account in the database."""
    rows: list[tuple[str, str, str]] = []
    assignments = {
        ra.user.username: ra
        for ra in RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES).select_related(
            "user", "place", "unit", "member__unit", "member__residence", "resident__residence"
        )
    }
    for username in DEMO_USERNAMES:
        ra = assignments.get(username)
        if ra is None:
            continue
        if ra.place is not None:
            scope = place_trail(ra.place)
        elif ra.unit is not None:
            community = (
                UnitAssignment.objects.filter(unit=ra.unit, ended_on__isnull=True).select_related("community").first()
            )
            scope = ra.unit.name + (f"（联系 {community.community.name}）" if community else "")
        elif ra.member is not None:
            reported = MemberReport.objects.filter(member=ra.member, status=MemberReport.Status.CONFIRMED).exists()
            scope = f"{ra.member.name}，{ra.member.unit.name}，住 {place_trail(ra.member.residence)}，" + (
                "已报到" if reported else "未报到"
            )
        elif ra.resident is not None:
            scope = f"{ra.resident.name}，住 {place_trail(ra.resident.residence)}"
        else:
            scope = ""
        rows.append((username, str(Role(ra.role).label), scope))
    return rows


def place_trail(place: Place) -> str:
    """示范市 / 东湖区 / 向阳街道 / 和平社区 (without the province)."""
    rows = Place.objects.filter(pk__in=place.ancestor_ids()).exclude(kind=Place.Kind.PROVINCE).order_by("depth")
    return " / ".join(rows.values_list("name", flat=True))
