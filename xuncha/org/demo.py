"""Demo data for org: the fictional city of 江州市, its inspection offices, units and accounts.

One city office (市委巡察办) with six district/county offices below it; about 600 units
at scale 1 (about 600 × scale at larger scales) of every kind, each managed by the office
that must cover it: city-level units by the city office, townships, villages and county
departments by their county office. A few units carry merge/rename history. Every role
has one account with a memorable password; administrators get a confirmed TOTP device
whose key is derived from the seed and printed, so an authenticator app can be set up.

Units are written with bulk_create, level by level, and their materialised path is then
computed from the returned ids and written with bulk_update (save() is bypassed).
"""

import base64
import hashlib
from datetime import date

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from xuncha.org.models import Office, Role, RoleAssignment, Unit, User

CITY = "江州市"
DEMO_PASSWORD = "Xuncha@2026"  # noqa: S105  (demo only: ≥ 8 characters, four classes)

# (name, level) of the six offices below the city office
COUNTIES = [
    ("江城区", "区"),
    ("安平区", "区"),
    ("云溪区", "区"),
    ("临川县", "县"),
    ("清河县", "县"),
    ("白石县", "县"),
]

CITY_DEPARTMENTS = [
    "市委办公室",
    "市委组织部",
    "市委宣传部",
    "市委统战部",
    "市委政法委员会",
    "市委政策研究室",
    "市委机构编制委员会办公室",
    "市委网络安全和信息化委员会办公室",
    "市委党校",
    "市人大常委会机关",
    "市政府办公室",
    "市政协机关",
    "市发展和改革委员会",
    "市教育局",
    "市科学技术局",
    "市工业和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水利局",
    "市农业农村局",
    "市商务局",
    "市文化广电旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市人民政府国有资产监督管理委员会",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市林业局",
    "市城市管理局",
    "市信访局",
    "市数据局",
    "市机关事务管理局",
    "市行政审批服务局",
    "市体育局",
    "市粮食和物资储备局",
    "市人民防空办公室",
    "市总工会",
    "共青团江州市委",
    "市妇女联合会",
    "市科学技术协会",
    "市残疾人联合会",
    "市供销合作社联合社",
    "市纪委监委",
]
# Institutions under a department: "<department stem><suffix>"
AFFILIATE_SUFFIXES = [
    "信息中心",
    "事务服务中心",
    "机关服务中心",
    "培训中心",
    "综合保障中心",
    "发展研究中心",
    "档案管理中心",
    "数据管理中心",
    "宣传教育中心",
    "后勤服务中心",
]
CITY_ENTERPRISES = [
    "江州市城市建设投资集团有限公司",
    "江州市交通投资集团有限公司",
    "江州市水务集团有限公司",
    "江州市国有资本投资运营集团有限公司",
    "江州市文化旅游发展集团有限公司",
    "江州市农业发展投资集团有限公司",
    "江州市公共交通集团有限公司",
    "江州市燃气集团有限公司",
    "江州市产业投资控股集团有限公司",
    "江州市粮食储备集团有限公司",
    "江州市保安服务集团有限公司",
    "江州市住房保障投资有限公司",
]
ENTERPRISE_SUBSIDIARIES = [
    "置业有限公司",
    "工程建设有限公司",
    "物业管理有限公司",
    "资产经营有限公司",
    "商贸有限公司",
    "融资担保有限公司",
    "检测有限公司",
    "供应链管理有限公司",
]
CITY_SCHOOLS = ["江州学院", "江州职业技术学院", "江州市卫生学校", "江州市实验小学"]
CITY_HOSPITALS = [
    "江州市第一人民医院",
    "江州市第二人民医院",
    "江州市中医院",
    "江州市妇幼保健院",
    "江州市精神卫生中心",
    "江州市传染病医院",
]
CITY_OTHER = [
    "江州日报社",
    "江州广播电视台",
    "江州市社会科学界联合会",
    "江州市文学艺术界联合会",
    "江州市红十字会",
    "江州市工商业联合会",
]
COUNTY_DEPARTMENTS = [
    "委办公室",
    "委组织部",
    "委宣传部",
    "委统战部",
    "委政法委员会",
    "政府办公室",
    "发展和改革局",
    "教育局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "卫生健康局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "医疗保障局",
    "信访局",
]
# Syllables for townships and villages: combinations give thousands of plausible names.
PLACE_FIRST = list(
    "青白石柳桃杨梅松竹枫桥溪河湖塘山岭坪田河泉水龙凤马牛金银玉花云霞黄红新大小东西南北上下中"
)
PLACE_SECOND = list("溪桥湾口坪岗塘洲岭冲坝铺庄湖山林源田港埠寨村集园圩渡岩坑头台店")
TOWNSHIP_SUFFIXES = ["镇", "镇", "镇", "乡", "街道"]
COMMUNITY_SUFFIXES = ["社区", "社区"]
SCHOOL_PATTERNS = ["第{n}中学", "第{n}小学", "实验学校", "职业中学", "第{n}高级中学"]
HOSPITAL_PATTERNS = ["人民医院", "中医院", "妇幼保健院", "第{n}人民医院"]
COUNTY_ENTERPRISES = ["城市建设投资有限公司", "国有资产经营有限公司", "交通建设投资有限公司"]
CN_NUMBERS = "一二三四五六七八九十"

# Renamed in the 2018-2019 institutional reform: old name -> the department that carries on.
RENAMED = [
    ("市国土资源局", "市自然资源和规划局"),
    ("市卫生和计划生育委员会", "市卫生健康委员会"),
    ("市农业委员会", "市农业农村局"),
    ("市安全生产监督管理局", "市应急管理局"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀兰霞平刚桂英华红建国志文斌辉鹏飞宇浩然晓东海波林丹宁玲萍燕云峰亮成龙婷雪梅琳倩颖"


def person_name(rng) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


# The accounts people try the demo with: key -> (username, full name, role, scope)
# scope: "city", a county index (int), or a unit name.
ACCOUNTS = [
    ("sysadmin", "系统管理员", Role.SYSADMIN, "city"),
    ("office_admin", "王志强", Role.OFFICE_ADMIN, "city"),
    ("office_staff", "李晓梅", Role.OFFICE_STAFF, "city"),
    ("leading_group", "赵建国", Role.LEADING_GROUP, "city"),
    ("custodian", "钱丽华", Role.CUSTODIAN, "city"),
    ("auditor", "孙海波", Role.AUDITOR, "city"),
    ("county_admin", "周海燕", Role.OFFICE_ADMIN, 3),
    ("county_staff", "吴志刚", Role.OFFICE_STAFF, 3),
    ("unit_liaison", "郑秀兰", Role.UNIT_LIAISON, "江州市交通运输局"),
    ("handover_recipient", "冯建军", Role.HANDOVER_RECIPIENT, "江州市纪委监委"),
    ("org_recipient", "林文静", Role.HANDOVER_RECIPIENT, "江州市委组织部"),
    ("audit_recipient", "何晓东", Role.HANDOVER_RECIPIENT, "江州市审计局"),
]
ACCOUNT_LABELS = {
    "org_recipient": "移交接收单位联络员（组织部）",
    "audit_recipient": "移交接收单位联络员（审计局，巡审联动）",
    "county_admin": "县区巡察办管理员",
    "county_staff": "县区巡察办工作人员",
}


def totp_key(seed: int, username: str) -> bytes:
    """A fixed 20-byte TOTP key per demo account, derived from the seed."""
    return hashlib.sha256(f"xuncha-demo-totp:{seed}:{username}".encode()).digest()[:20]


class _Builder:
    """Collects units level by level, then writes them with bulk operations."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.levels: list[list[Unit]] = [[], [], []]
        self.parents: dict[int, Unit] = {}  # id(child) -> parent object
        self.depths: dict[int, int] = {}  # id(unit) -> depth
        self.used: set[str] = set()

    def add(self, name, kind, office, district, parent=None) -> Unit:
        depth = 0 if parent is None else self.depths[id(parent)] + 1
        unit = Unit(name=name, kind=kind, office=office, district=district)
        self.depths[id(unit)] = depth
        self.levels[depth].append(unit)
        if parent is not None:
            self.parents[id(unit)] = parent
        self.used.add(name)
        return unit

    def place_name(self, prefix: str, suffix: str) -> str:
        """A fresh name like 临川县柳溪镇; tries random syllables, then numbers."""
        for _ in range(50):
            stem = self.rng.choice(PLACE_FIRST) + self.rng.choice(PLACE_SECOND)
            name = f"{prefix}{stem}{suffix}"
            if name not in self.used:
                return name
        n = 1
        while f"{prefix}第{n}{suffix}" in self.used:
            n += 1
        return f"{prefix}第{n}{suffix}"

    def save(self):
        """Insert level by level, then set every path in SQL: parent path + padded id."""
        padded_id = Concat(LPad(Cast("pk", CharField()), 8, Value("0")), Value("/"))
        for depth, level in enumerate(self.levels):
            if not level:
                continue
            for unit in level:
                unit.path = ""  # marks the rows whose path is still to be computed
                if depth:
                    unit.parent = self.parents[id(unit)]
            Unit.objects.bulk_create(level, batch_size=500)
            new = Unit.objects.filter(pk__gte=min(u.pk for u in level), path="")
            if depth == 0:
                new.update(path=padded_id, depth=0)
            else:
                parent_path = Unit.objects.filter(pk=OuterRef("parent_id")).values("path")
                new.update(
                    path=Concat(Subquery(parent_path), padded_id, output_field=CharField()),
                    depth=depth,
                )
            for unit in level:  # keep the objects in step with their rows
                parent_path = unit.parent.path if depth else ""
                unit.path, unit.depth = f"{parent_path}{unit.pk:08d}/", depth


def build(ctx):
    ctx.log("  机构：江州市委巡察办及六个县(区)委巡察办")
    city = Office.objects.create(name=f"{CITY}委巡察办", level=Office.Level.CITY, region=CITY)
    counties = [
        Office.objects.create(
            name=f"{name}委巡察办", level=Office.Level.COUNTY, parent=city, region=name
        )
        for name, _kind in COUNTIES
    ]
    b = _Builder(ctx)
    rng = ctx.rng
    n = ctx.n

    # City-level units: departments (some with affiliated institutions), enterprises
    # with subsidiaries, schools, hospitals, others. All covered by the city office.
    departments = {}
    for dept in CITY_DEPARTMENTS:
        name = dept if dept.startswith("共青团") else f"江州{dept}"
        unit = b.add(name, Unit.Kind.CITY_DEPARTMENT, city, CITY)
        departments[name] = unit
        count = min(len(AFFILIATE_SUFFIXES), rng.randint(0, 2) * ctx.scale)
        for suffix in rng.sample(AFFILIATE_SUFFIXES, k=count):
            b.add(f"{name}{suffix}", Unit.Kind.OTHER, city, CITY, parent=unit)
    for name in CITY_ENTERPRISES:
        unit = b.add(name, Unit.Kind.ENTERPRISE, city, CITY)
        stem = name.removesuffix("集团有限公司").removesuffix("有限公司")
        for suffix in rng.sample(ENTERPRISE_SUBSIDIARIES, k=rng.randint(0, 3)):
            b.add(f"{stem}{suffix}", Unit.Kind.ENTERPRISE, city, CITY, parent=unit)
    for name in CITY_SCHOOLS:
        b.add(name, Unit.Kind.SCHOOL, city, CITY)
    for i in range(1, n(8) + 1):
        b.add(f"江州市第{_cn(i)}中学", Unit.Kind.SCHOOL, city, CITY)
    for name in CITY_HOSPITALS:
        b.add(name, Unit.Kind.HOSPITAL, city, CITY)
    for i in range(3, n(1) + 2):  # more numbered hospitals at larger scales
        b.add(f"江州市第{_cn(i)}人民医院", Unit.Kind.HOSPITAL, city, CITY)
    for name in CITY_OTHER:
        b.add(name, Unit.Kind.OTHER, city, CITY)

    # County-level units: departments, townships with their villages/communities,
    # enterprises, schools, hospitals. All covered by the county office.
    townships_by_county = []
    for office, (county, kind) in zip(counties, COUNTIES, strict=True):
        for dept in COUNTY_DEPARTMENTS:
            b.add(f"{county}{dept}", Unit.Kind.CITY_DEPARTMENT, office, county)
        townships = []
        for _ in range(n(8)):
            suffix = (
                "街道" if kind == "区" and rng.random() < 0.6 else rng.choice(TOWNSHIP_SUFFIXES)
            )
            township = b.add(b.place_name(county, suffix), Unit.Kind.TOWNSHIP, office, county)
            townships.append(township)
            urban = suffix == "街道"
            stem = township.name.removeprefix(county).removesuffix(suffix)
            # Fixed units (departments) do not grow with --scale, so villages grow a little
            # faster than the scale: scale 10 gives about ten times the units of scale 1.
            for _ in range(rng.randint(4, 8) + min(ctx.scale - 1, 3)):
                vsuffix = (
                    rng.choice(COMMUNITY_SUFFIXES) if urban else rng.choice(["村"] * 5 + ["社区"])
                )
                b.add(
                    b.place_name(f"{county}{stem}{suffix}", vsuffix),
                    Unit.Kind.VILLAGE,
                    office,
                    county,
                    parent=township,
                )
        townships_by_county.append(townships)
        for name in rng.sample(COUNTY_ENTERPRISES, k=2):
            b.add(f"{county}{name}", Unit.Kind.ENTERPRISE, office, county)
        for i in range(n(3)):
            pattern = SCHOOL_PATTERNS[i % len(SCHOOL_PATTERNS)]
            name = f"{county}{pattern.format(n=_cn(i // len(SCHOOL_PATTERNS) + 1 + i % 2))}"
            if name in b.used:
                name = f"{county}第{_cn(i + 1)}中学"
            if name not in b.used:
                b.add(name, Unit.Kind.SCHOOL, office, county)
        for i in range(n(2)):
            pattern = HOSPITAL_PATTERNS[i % len(HOSPITAL_PATTERNS)]
            name = f"{county}{pattern.format(n=_cn(i // len(HOSPITAL_PATTERNS) + 2))}"
            if name not in b.used:
                b.add(name, Unit.Kind.HOSPITAL, office, county)
        b.add(f"{county}融媒体中心", Unit.Kind.OTHER, office, county)

    # History: departments renamed in the institutional reform; villages merged (合村并居).
    history = []
    for old, new in RENAMED:
        unit = b.add(f"江州{old}", Unit.Kind.CITY_DEPARTMENT, city, CITY)
        unit.status, unit.status_changed_on = Unit.Status.RENAMED, date(2019, 1, 28)
        history.append((unit, departments[f"江州{new}"]))
    for townships in townships_by_county:
        for township in rng.sample(townships, k=min(len(townships), n(1))):
            villages = [u for u in b.levels[1] if b.parents.get(id(u)) is township]
            if len(villages) < 2:
                continue
            merged, into = rng.sample(villages, k=2)
            merged.status, merged.status_changed_on = Unit.Status.MERGED, date(2021, 6, 30)
            history.append((merged, into))
    b.save()
    for unit, successor in history:
        unit.successor = successor
    Unit.objects.bulk_update([u for u, _ in history], ["successor"])
    total = sum(len(level) for level in b.levels)
    ctx.log(f"  被巡察单位：{total} 个（含 {len(history)} 个合并/更名记录）")

    _accounts(ctx, city, counties)
    ctx.log(f"  账号：{len(ACCOUNTS)} 个角色演示账号")


def _cn(i: int) -> str:
    """1 -> 一, 12 -> 十二, 25 -> 二十五 (enough for school and hospital numbers)."""
    if i <= 10:
        return CN_NUMBERS[i - 1]
    tens, ones = divmod(i, 10)
    head = "" if tens == 1 else CN_NUMBERS[tens - 1]
    return f"{head}十{CN_NUMBERS[ones - 1] if ones else ''}"


def _accounts(ctx, city, counties):
    now = timezone.now()
    labels = dict(Role.choices)
    # One password for every demo account: hash it once (argon2 is slow by design).
    password_hash = make_password(DEMO_PASSWORD)
    for key, full_name, role, scope in ACCOUNTS:
        unit = None
        office = city
        if isinstance(scope, int):
            office = counties[scope]
        elif scope != "city":
            unit, office = Unit.objects.get(name=scope), None
        user = User(username=key, full_name=full_name, office=office, unit=unit)
        validate_password(DEMO_PASSWORD, user)
        user.password = password_hash
        user.must_change_password = False
        user.password_changed_at = now
        user.save()
        RoleAssignment.objects.create(user=user, role=role, office=office, unit=unit)
        entry = {
            "label": str(ACCOUNT_LABELS.get(key, labels[role])),
            "username": key,
            "password": DEMO_PASSWORD,
        }
        if role in (Role.SYSADMIN, Role.OFFICE_ADMIN):
            key_bytes = totp_key(ctx.seed, key)
            TOTPDevice.objects.create(
                user=user, name="演示验证器", key=key_bytes.hex(), confirmed=True
            )
            entry["totp_secret"] = base64.b32encode(key_bytes).decode()
        ctx.accounts[key] = entry
