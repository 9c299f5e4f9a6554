"""Signed packages between installations (上下联动): statistics up, plan and rules down.

A package is one JSON document:

    {"format": "xuncha-stats/1", "type": "statistics" | "rules", "package_id": ...,
     "origin": <installation id>, "office": <sender office name>, "period": "2026Q1",
     "version": 2, "created_at": ISO time, "algorithm": "ed25519", "public_key": hex,
     "body": {...}, "signature": hex}

The signature (the installation's signing key, `core.keys.Signer`, the field kit's key)
covers SHA-256 of the canonical JSON (sorted keys, no spaces) of everything but
"signature". The receiving office accepts a package only from a counterpart its office
admin registered with that public key. A statistics package carries aggregates only
(`indicators.BASE` figures of the sender's total): no record, no name.

Import rules (each refusal a Chinese DomainError, nothing stored):
- bad structure, unknown key, bad signature;
- replay: a package id already imported, or a version not above the latest of its period;
- gap: a period after the next one expected of that counterpart (quarters and years are
  separate series; the first package of a series may start anywhere);
- a correction is a new version of an already reported period: the latest version counts,
  the earlier ones stay as history.
"""

import hashlib
import json
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.keys import Signer, signature_algorithm, verify_signature
from xuncha.stats import indicators
from xuncha.stats.models import Counterpart, ExportedPackage, RulesPackage, StatsPackage

FORMAT = "xuncha-stats/1"
MAX_BYTES = 2 * 1024 * 1024
HEADER_FIELDS = (
    "format",
    "type",
    "package_id",
    "origin",
    "office",
    "period",
    "version",
    "created_at",
    "algorithm",
    "public_key",
    "body",
)


def canonical(doc: dict) -> bytes:
    unsigned = {k: v for k, v in doc.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def installation_key() -> dict:
    """This installation's signing key as a counterpart registers it."""
    signer = Signer(signature_algorithm())
    return {"algorithm": signer.alg, "public_key": signer.public}


def _origin() -> str:
    from xuncha.inspections.fieldkit import origin_id

    return origin_id()


class KeySigner:
    """An Ed25519 key held in memory (another installation's key in tests and the demo)."""

    alg = "ed25519"

    def __init__(self, seed: bytes):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public = (
            self._key.public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )

    def sign(self, digest: bytes) -> bytes:
        return self._key.sign(digest)


def sign(doc: dict, signer=None) -> dict:
    signer = signer or Signer(signature_algorithm())
    doc = {**doc, "algorithm": signer.alg, "public_key": signer.public}
    doc["signature"] = signer.sign(hashlib.sha256(canonical(doc)).digest()).hex()
    return doc


def dumps(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _figures_json(bases: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in bases.items()}


# --------------------------------------------------------------------------- export


def stats_export(
    *, office, period: str, actor, signer=None, package_id: str | None = None
) -> tuple[ExportedPackage, bytes]:
    """Sign the office's figures for `period` (its own total, all its subtree) as a new
    version: the first export of a period is version 1, a later one a correction.
    `package_id` (default: a fresh random one) lets a retried task reuse its own id."""
    p = indicators.Period.parse(period)
    flt = indicators.StatsFilter(
        root=office, start=p.start, end=p.end, year=p.year, quarter=p.quarter or None
    )
    table = indicators.compute(flt)
    bases = {c: table.total[c] for c in indicators.BASE_CODES}
    with transaction.atomic():
        version = (
            ExportedPackage.objects.select_for_update()
            .filter(owner=office, kind=ExportedPackage.Kind.STATISTICS, period=str(p))
            .count()
            + 1
        )
        doc = sign(
            {
                "format": FORMAT,
                "type": "statistics",
                "package_id": package_id or uuid.uuid4().hex,
                "origin": _origin(),
                "office": office.name,
                "period": str(p),
                "version": version,
                "created_at": timezone.now().isoformat(),
                "body": {"figures": _figures_json(bases), "period_label": p.label},
            },
            signer,
        )
        data = dumps(doc)
        exported = ExportedPackage.objects.create(
            owner=office,
            kind=ExportedPackage.Kind.STATISTICS,
            package_id=doc["package_id"],
            period=str(p),
            version=version,
            sha256=hashlib.sha256(data).hexdigest(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record(
            actor=actor or "系统定时任务",
            action=Action.EXPORT,
            obj=exported,
            summary=f"生成统计数据包 {p.label} 第{version}版",
            changes={"period": str(p), "version": version, "package_id": doc["package_id"]},
        )
    return exported, data


def rules_content(office) -> dict:
    """What a city pushes down: the active taxonomy version, the rectification deadlines
    and the approved annual plans of the current and next year (rounds and dates)."""
    from xuncha.inspections.models import TaxonomyCategory, TaxonomyVersion
    from xuncha.plans.models import AnnualPlan, Round
    from xuncha.rectification.models import RectificationConfig

    version = TaxonomyVersion.objects.filter(active=True).first()
    taxonomy = None
    if version:
        taxonomy = {
            "code": version.code,
            "name": version.name,
            "categories": list(
                TaxonomyCategory.objects.filter(version=version)
                .order_by("level", "sort", "code")
                .values("code", "name", "level")
            ),
        }
    cfg = RectificationConfig.objects.filter(office=office).first() or RectificationConfig()
    deadlines = {
        "plan_due_working_days": cfg.plan_due_working_days,
        "report_due_working_days": cfg.report_due_working_days,
        "handover_due_months": cfg.handover_due_months,
    }
    year = timezone.localdate().year
    plans = []
    for plan in AnnualPlan.objects.filter(
        term__office=office, state=AnnualPlan.State.APPROVED, year__in=[year, year + 1]
    ).order_by("year"):
        rounds = Round.objects.filter(plan=plan).order_by("number")
        plans.append(
            {
                "year": plan.year,
                "rounds": [
                    {"number": r.number, "start": r.start.isoformat(), "end": r.end.isoformat()}
                    for r in rounds
                ],
            }
        )
    return {"taxonomy": taxonomy, "deadlines": deadlines, "plans": plans}


def rules_export(*, office, actor) -> tuple[ExportedPackage, bytes]:
    with transaction.atomic():
        version = (
            ExportedPackage.objects.select_for_update()
            .filter(owner=office, kind=ExportedPackage.Kind.RULES)
            .count()
            + 1
        )
        doc = sign(
            {
                "format": FORMAT,
                "type": "rules",
                "package_id": uuid.uuid4().hex,
                "origin": _origin(),
                "office": office.name,
                "period": "",
                "version": version,
                "created_at": timezone.now().isoformat(),
                "body": rules_content(office),
            }
        )
        data = dumps(doc)
        exported = ExportedPackage.objects.create(
            owner=office,
            kind=ExportedPackage.Kind.RULES,
            package_id=doc["package_id"],
            version=version,
            sha256=hashlib.sha256(data).hexdigest(),
            created_by=actor,
        )
        record(
            actor=actor,
            action=Action.EXPORT,
            obj=exported,
            summary=f"生成规则包第{version}版",
            changes={"version": version, "package_id": doc["package_id"]},
        )
    return exported, data


# --------------------------------------------------------------------------- import


def parse(data: bytes) -> dict:
    """The package document, structurally checked (no signature check yet)."""
    if len(data) > MAX_BYTES:
        raise DomainError("数据包过大（超过 2 MB），不是有效的统计数据包。")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DomainError("数据包格式错误：不是有效的 JSON 文件。") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DomainError("数据包格式错误：不是本系统生成的统计或规则数据包。")
    missing = [k for k in (*HEADER_FIELDS, "signature") if k not in doc]
    if missing:
        raise DomainError(f"数据包格式错误：缺少字段 {'、'.join(missing)}。")
    if doc["type"] not in ("statistics", "rules"):
        raise DomainError("数据包格式错误：类型应为统计数据包或规则包。")
    for key in ("package_id", "origin", "office", "algorithm", "public_key", "signature"):
        if not isinstance(doc[key], str) or not doc[key] or len(doc[key]) > 200:
            raise DomainError(f"数据包格式错误：字段 {key} 无效。")
    if not isinstance(doc["version"], int) or isinstance(doc["version"], bool):
        raise DomainError("数据包格式错误：版本号应为正整数。")
    if not 1 <= doc["version"] <= 100000:
        raise DomainError("数据包格式错误：版本号应为正整数。")
    if not isinstance(doc["body"], dict):
        raise DomainError("数据包格式错误：内容应为对象。")
    try:
        created = datetime.fromisoformat(doc["created_at"])
    except (TypeError, ValueError):
        raise DomainError("数据包格式错误：生成时间无效。") from None
    doc["_created"] = created if created.tzinfo else timezone.make_aware(created)
    return doc


def _verify(doc: dict, owner, direction: str) -> Counterpart:
    alg, public = doc["algorithm"], doc["public_key"].lower()
    counterpart = Counterpart.objects.filter(
        owner=owner, algorithm=alg, public_key=public, direction=direction
    ).first()
    if counterpart is None:
        raise DomainError(
            "数据包的签名公钥未登记：请由本机构管理员在“对口系统”中登记对方系统的公钥后再导入。"
        )
    if not counterpart.active:
        raise DomainError(f"对口系统“{counterpart.name}”已停用，不接受其数据包。")
    try:
        signature = bytes.fromhex(doc["signature"])
    except ValueError:
        raise DomainError("数据包签名无效：签名格式错误。") from None
    digest = hashlib.sha256(canonical({k: v for k, v in doc.items() if k != "_created"})).digest()
    if not verify_signature(alg, public, signature, digest):
        raise DomainError("数据包签名验证失败：内容已被改动或并非由登记的对方系统签发。")
    return counterpart


def _figures(body: dict) -> dict:
    figures = body.get("figures")
    if not isinstance(figures, dict):
        raise DomainError("统计数据包内容错误：缺少统计数据。")
    out = {}
    for code in indicators.BASE_CODES:
        value = figures.get(code)
        if value is None:
            out[code] = None
            continue
        if code == indicators.MONEY:
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise DomainError(f"统计数据包内容错误：{code} 不是数字。") from None
            if not number.is_finite() or number < 0 or number > Decimal("1e12"):
                raise DomainError(f"统计数据包内容错误：{code} 超出范围。")
            out[code] = str(number.quantize(Decimal("0.01")))
        else:
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**9:
                raise DomainError(f"统计数据包内容错误：{code} 应为非负整数。")
            out[code] = value
    unknown = set(figures) - set(indicators.BASE_CODES)
    if unknown:
        raise DomainError(f"统计数据包内容错误：未知指标 {'、'.join(sorted(unknown))}。")
    return out


def package_import(*, owner, data: bytes, actor) -> StatsPackage | RulesPackage:
    """Verify and record one package for `owner` (the receiving office); all or nothing."""
    doc = parse(data)
    if doc["type"] == "rules":
        return _rules_import(owner=owner, doc=doc, data=data, actor=actor)
    counterpart = _verify(doc, owner, Counterpart.Direction.LOWER)
    period = indicators.Period.parse(doc["period"])
    figures = _figures(doc["body"])
    with transaction.atomic():
        # One counterpart's imports queue behind each other: the checks below stay true.
        Counterpart.objects.select_for_update().filter(pk=counterpart.pk).first()
        if StatsPackage.objects.filter(owner=owner, package_id=doc["package_id"]).exists():
            raise DomainError("该数据包已导入过（重复导入），未作任何改动。")
        latest = (
            StatsPackage.objects.filter(counterpart=counterpart, period=str(period))
            .order_by("-version")
            .first()
        )
        if latest and doc["version"] <= latest.version:
            raise DomainError(
                f"{period.label}已导入第{latest.version}版，不接受第{doc['version']}版"
                "（重放或过期的数据包）；更正数据须由对方生成更高版本。"
            )
        if latest is None:
            series = [
                indicators.Period.parse(p)
                for p in StatsPackage.objects.filter(counterpart=counterpart)
                .values_list("period", flat=True)
                .distinct()
            ]
            series = [p for p in series if bool(p.quarter) == bool(period.quarter)]
            if series:
                first = min(series, key=lambda p: p.sequence)
                last = max(series, key=lambda p: p.sequence)
                if period.sequence < first.sequence:
                    raise DomainError(
                        f"统计期间顺序错误：{counterpart.name}已从{first.label}起报送，"
                        f"不接受更早的{period.label}数据包。"
                    )
                if period.sequence > last.sequence + 1:
                    raise DomainError(
                        f"统计期间不连续：{counterpart.name}最近报送的是{last.label}，"
                        f"应先导入{last.next().label}的数据包，再导入{period.label}。"
                    )
        try:
            with transaction.atomic():
                package = StatsPackage.objects.create(
                    owner=owner,
                    counterpart=counterpart,
                    package_id=doc["package_id"],
                    period=str(period),
                    version=doc["version"],
                    sender_office=doc["office"][:100],
                    created_at=doc["_created"],
                    figures=figures,
                    sha256=hashlib.sha256(data).hexdigest(),
                    imported_by=actor,
                )
        except IntegrityError:
            raise DomainError("该数据包已导入过（重复导入），未作任何改动。") from None
        record(
            actor=actor,
            action=Action.CREATE,
            obj=package,
            summary=f"导入{counterpart.name}统计数据包 {period.label} 第{doc['version']}版",
            changes={
                "counterpart": counterpart.pk,
                "period": str(period),
                "version": doc["version"],
                "package_id": doc["package_id"],
                "correction": latest is not None,
            },
        )
    return package


def _rules_import(*, owner, doc, data, actor) -> RulesPackage:
    counterpart = _verify(doc, owner, Counterpart.Direction.HIGHER)
    body = doc["body"]
    for key in ("taxonomy", "deadlines", "plans"):
        if key not in body:
            raise DomainError(f"规则包内容错误：缺少 {key}。")
    if not isinstance(body["deadlines"], dict) or not isinstance(body["plans"], list):
        raise DomainError("规则包内容错误：期限或计划格式无效。")
    with transaction.atomic():
        Counterpart.objects.select_for_update().filter(pk=counterpart.pk).first()
        if RulesPackage.objects.filter(owner=owner, package_id=doc["package_id"]).exists():
            raise DomainError("该规则包已导入过（重复导入），未作任何改动。")
        latest = RulesPackage.objects.filter(counterpart=counterpart).order_by("-version").first()
        if latest and doc["version"] <= latest.version:
            raise DomainError(
                f"已导入第{latest.version}版规则包，不接受第{doc['version']}版（重放或过期的规则包）。"
            )
        package = RulesPackage.objects.create(
            owner=owner,
            counterpart=counterpart,
            package_id=doc["package_id"],
            version=doc["version"],
            sender_office=doc["office"][:100],
            created_at=doc["_created"],
            content=body,
            sha256=hashlib.sha256(data).hexdigest(),
            imported_by=actor,
        )
        taxonomy = (body.get("taxonomy") or {}).get("code", "")
        record(
            actor=actor,
            action=Action.CREATE,
            obj=package,
            summary=f"导入{counterpart.name}规则包第{doc['version']}版"
            + (f"（建议采用监督内容分类 {taxonomy}）" if taxonomy else ""),
            changes={"version": doc["version"], "package_id": doc["package_id"]},
        )
    return package


# --------------------------------------------------------------------------- roll-up


def latest_packages(owner, period: str) -> dict:
    """{counterpart id: the latest StatsPackage of `period`} (one query)."""
    out = {}
    for pkg in StatsPackage.objects.filter(owner=owner, period=period).order_by(
        "counterpart_id", "-version"
    ):
        out.setdefault(pkg.counterpart_id, pkg)
    return out


def package_bases(pkg) -> dict:
    out = {}
    for code in indicators.BASE_CODES:
        value = pkg.figures.get(code)
        if code == indicators.MONEY and value is not None:
            value = Decimal(value)
        out[code] = value
    return out
