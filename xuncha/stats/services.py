"""Writes of the statistics app (counterpart registry, recorded figures) and the roll-up."""

import hashlib
import os
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, safe_name
from xuncha.stats import geo, indicators, packages
from xuncha.stats.models import Counterpart, DistrictMap, ExportedPackage, PlanFigure

_HEX = re.compile(r"^[0-9a-f]+$")


def _clean_key(algorithm: str, public_key: str) -> tuple[str, str]:
    algorithm = (algorithm or "ed25519").strip().lower()
    public = (public_key or "").strip().lower()
    if ":" in public:  # the `xuncha fieldkit pubkey` line: "ed25519:<hex>"
        prefix, _, public = public.partition(":")
        algorithm = prefix.strip() or algorithm
        public = public.strip()
    if algorithm not in ("ed25519", "sm2"):
        raise DomainError("签名算法应为 ed25519 或 sm2。", field="algorithm")
    size = 64 if algorithm == "ed25519" else 128
    if len(public) != size or not _HEX.match(public):
        raise DomainError(
            f"公钥格式错误：{algorithm} 公钥应为 {size} 位十六进制字符"
            "（对方系统“对口系统”页面或 xuncha stats pubkey 显示的内容）。",
            field="public_key",
        )
    return algorithm, public


def counterpart_register(
    *, owner, direction, name, public_key, algorithm="ed25519", office=None, actor
) -> Counterpart:
    """登记对口系统: the office admin records another installation's public key."""
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写对方巡察机构名称。", field="name")
    if direction not in Counterpart.Direction.values:
        raise DomainError("关系应为下级（报送统计）或上级（下发规则）。", field="direction")
    algorithm, public = _clean_key(algorithm, public_key)
    if public == packages.installation_key()["public_key"]:
        raise DomainError("这是本系统自己的公钥，请登记对方系统的公钥。", field="public_key")
    if office is not None:
        if direction == Counterpart.Direction.LOWER and office.parent_id != owner.pk:
            raise DomainError("对应机构应为本机构的直接下级机构。", field="office")
        if direction == Counterpart.Direction.HIGHER and owner.parent_id != office.pk:
            raise DomainError("对应机构应为本机构的上级机构。", field="office")
    try:
        with transaction.atomic():
            cp = Counterpart.objects.create(
                owner=owner,
                direction=direction,
                name=name[:100],
                office=office,
                algorithm=algorithm,
                public_key=public,
                registered_by=actor,
            )
            record(
                actor=actor,
                action=Action.CREATE,
                obj=cp,
                summary=f"登记对口系统 {cp.name}",
                changes={"direction": direction, "algorithm": algorithm, "public_key": public},
            )
    except IntegrityError:
        raise DomainError("该公钥已登记过。", field="public_key") from None
    return cp


def counterpart_set_active(*, counterpart, active: bool, actor) -> Counterpart:
    with transaction.atomic():
        counterpart.active = active
        counterpart.save(update_fields=["active"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=counterpart,
            summary=f"{'启用' if active else '停用'}对口系统 {counterpart.name}",
            changes={"active": active},
        )
    return counterpart


def plan_figure_record(*, plan, rules_made, actor) -> PlanFigure:
    """建章立制数: the office records the rules a unit made in its rectification."""
    try:
        rules_made = int(rules_made)
    except (TypeError, ValueError):
        raise DomainError("建立完善制度数应为整数。", field="rules_made") from None
    if not 0 <= rules_made <= 10000:
        raise DomainError("建立完善制度数应在 0–10000 之间。", field="rules_made")
    with transaction.atomic():
        figure, created = PlanFigure.objects.select_for_update().get_or_create(
            plan=plan, defaults={"rules_made": rules_made, "recorded_by": actor}
        )
        before = None if created else figure.rules_made
        if not created:
            figure.rules_made = rules_made
            figure.recorded_by = actor
            figure.save(update_fields=["rules_made", "recorded_by", "recorded_at"])
        record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=figure,
            summary=f"登记建章立制数 {rules_made}",
            changes={"rules_made": [before, rules_made]},
        )
    return figure


# --------------------------------------------------------------------------- district map


@dataclass(frozen=True)
class DistrictMapReport:
    """What an uploaded (or stored) map says against the office's units."""

    district_map: DistrictMap
    replaced: bool
    comparison: geo.Comparison

    @property
    def messages(self) -> list[str]:
        """The warnings, in Chinese: names matching no unit, districts with no shape."""
        out = []
        if self.comparison.unmatched:
            out.append(
                "以下地图区县没有对应的被巡察单位（单位的“所在区县”中没有这些名称）："
                + "、".join(self.comparison.unmatched)
            )
        if self.comparison.missing:
            out.append(
                "以下区县有被巡察单位但地图上没有对应的区域，在图上不显示（表格中仍列出）："
                + "、".join(self.comparison.missing)
            )
        return out


def office_districts(office) -> list[str]:
    """The districts (所在区县) of the units managed by the office and the offices below it."""
    from xuncha.org.models import Unit

    return sorted(
        Unit.objects.filter(office__path__startswith=office.path)
        .exclude(district="")
        .values_list("district", flat=True)
        .distinct()
        .order_by()
    )


def district_map_url(district_map) -> str:
    """The map's GeoJSON (API, through the access door); the version in the query changes
    with the content, so a browser may keep the file until the map is replaced."""
    from django.urls import reverse

    url = reverse("api:district_map_geojson", kwargs={"office_id": district_map.owner_id})
    return f"{url}?v={district_map.version}"


def district_map_report(district_map, *, replaced=False) -> DistrictMapReport:
    return DistrictMapReport(
        district_map=district_map,
        replaced=replaced,
        comparison=geo.compare(district_map.names, office_districts(district_map.owner)),
    )


def district_map_upload(*, office, uploaded, actor) -> DistrictMapReport:
    """上传区县地图: check the GeoJSON (size, type by content, then `geo.parse`) and store it
    as the office's map, replacing any earlier one. A refused file changes nothing."""
    checked = check_upload(
        uploaded,
        max_bytes=geo.MAX_BYTES,
        allowed={"txt": "application/geo+json"},
        kinds_label="GeoJSON 文本文件（.geojson 或 .json）",
    )
    uploaded.seek(0)
    parsed = geo.parse(uploaded.read(geo.MAX_BYTES + 1))
    stem = re.sub(r"\.(geo)?json$", "", str(uploaded.name), flags=re.IGNORECASE)
    filename = safe_name(stem, "geojson")
    sha = hashlib.sha256(parsed.text.encode()).hexdigest()
    with transaction.atomic():
        current = DistrictMap.objects.select_for_update().filter(owner=office).first()
        replaced = current is not None
        dm = current or DistrictMap(owner=office)
        before = {"filename": dm.filename, "features": len(dm.names)} if replaced else None
        dm.filename = filename
        dm.name_property = parsed.name_property
        dm.names = parsed.names
        dm.geojson = parsed.text
        dm.sha256 = sha
        dm.uploaded_by = actor
        dm.uploaded_at = timezone.now()
        dm.save()
        record(
            actor=actor,
            action=Action.UPDATE if replaced else Action.CREATE,
            obj=dm,
            summary=f"{'更换' if replaced else '上传'}区县地图（{parsed.feature_count} 个区县）",
            changes={
                "before": before,
                "filename": filename,
                "size": checked.size,
                "sha256": sha,
                "name_property": parsed.name_property,
                "names": parsed.names,
            },
        )
    return district_map_report(dm, replaced=replaced)


def district_map_remove(*, office, actor) -> None:
    """删除区县地图: the dashboard goes back to the ranked bar chart."""
    with transaction.atomic():
        dm = DistrictMap.objects.select_for_update().filter(owner=office).first()
        if dm is None:
            raise DomainError("本机构尚未上传区县地图。")
        record(
            actor=actor,
            action=Action.DELETE,
            obj=dm,
            summary="删除区县地图",
            changes={"filename": dm.filename, "sha256": dm.sha256, "names": dm.names},
        )
        dm.delete()


# --------------------------------------------------------------------------- roll-up


@dataclass
class Rollup:
    """A period's figures: live columns, packages replacing or adding columns, and the
    counterparts that have not reported."""

    period: indicators.Period
    table: indicators.Table
    not_reported: list = field(default_factory=list)  # Counterpart
    packages: dict = field(default_factory=dict)  # column key -> StatsPackage


def rollup(*, root, period: str) -> Rollup:
    """The roll-up of `root` (an office the reader may read) for `period`: each office
    below it from this installation's data, or — for a county that runs its own
    installation (a registered counterpart) — from the latest version of its package."""
    p = indicators.Period.parse(period)
    flt = indicators.StatsFilter(
        root=root, start=p.start, end=p.end, year=p.year, quarter=p.quarter or None
    )
    table = indicators.compute(flt)
    counterparts = list(
        Counterpart.objects.filter(
            owner=root, direction=Counterpart.Direction.LOWER, active=True
        ).order_by("name")
    )
    latest = packages.latest_packages(root, str(p))
    result = Rollup(period=p, table=table)
    by_office = {c.office_id: c for c in table.columns}
    for cp in counterparts:
        pkg = latest.get(cp.pk)
        column = by_office.get(cp.office_id) if cp.office_id else None
        if column is None:
            column = indicators.Column(f"cp{cp.pk}", cp.name, cp.office_id)
            table.columns.append(column)
        column.source = f"报送数据 第{pkg.version}版" if pkg else "未报送"
        table.bases[column.key] = (
            packages.package_bases(pkg) if pkg else dict.fromkeys(indicators.BASE_CODES)
        )
        if pkg:
            result.packages[column.key] = pkg
        else:
            result.not_reported.append(cp)
    table.finish()
    return result


def outbox_dir():
    from pathlib import Path

    from django.conf import settings

    return Path(settings.DATA_DIR) / "stats-outbox"


def export_scheduled(*, period: str = "", today=None, run_key: str = "") -> dict:
    """Write a signed package of `period` (default: the previous quarter) for every office
    that reports upward (has an active higher counterpart) into DATA_DIR/stats-outbox/.

    `run_key` (the task's id) makes a retried run finish the work of a dead one instead of
    repeating it: each office's package id derives from the key, so an office exported
    before the crash keeps its one version and its one audit entry. The file is written
    (as `.part`, synced) before the package's row commits and renamed after, so a committed
    export always has its bytes: a retry only renames a left-over `.part`.
    """
    from django.utils import timezone

    from xuncha.org.models import Office

    today = today or timezone.localdate()
    if not period:
        period = str(indicators.Period(today.year, (today.month - 1) // 3 + 1).previous())
    indicators.Period.parse(period)
    offices = Office.objects.filter(
        pk__in=Counterpart.objects.filter(
            direction=Counterpart.Direction.HIGHER, active=True
        ).values("owner_id")
    ).order_by("pk")
    written = []
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for office in offices:
        package_id = _run_package_id(run_key, office, period) if run_key else None
        done = ExportedPackage.objects.filter(package_id=package_id).first() if package_id else None
        if done is not None:
            path = folder / _outbox_name(office, done)
            part = path.with_name(path.name + ".part")
            if not path.exists() and part.exists():
                part.replace(path)
            written.append(str(path))
            continue
        with transaction.atomic():
            exported, data = packages.stats_export(
                office=office, period=period, actor=None, package_id=package_id
            )
            path = folder / _outbox_name(office, exported)
            part = path.with_name(path.name + ".part")
            with part.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        part.replace(path)
        written.append(str(path))
    return {"period": period, "files": written}


def _outbox_name(office, exported) -> str:
    return f"stats-{office.pk}-{exported.period}-v{exported.version}.json"


def _run_package_id(run_key: str, office, period: str) -> str:
    """The package id of one office's export in one run: the same on every retry."""
    return hashlib.sha256(f"{run_key}|{office.pk}|{period}".encode()).hexdigest()[:32]


def previous_quarter(today=None) -> str:
    from django.utils import timezone

    today = today or timezone.localdate()
    return str(indicators.Period(today.year, (today.month - 1) // 3 + 1).previous())
