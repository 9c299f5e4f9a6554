"""Writes to offices, units, accounts, roles and API tokens.

Each service checks the actor's scope through `org.access`, validates, changes and
appends the audit entry in one transaction. Secrets (initial passwords, API tokens) are
returned to the caller exactly once and never written to the audit log.

Unit history (domain.md §5: merged or renamed units keep their history):
- **rename** keeps the same row. Inspections, rectification, liaison accounts and role
  grants stay attached, so coverage and history need no chain-following; the former name
  and the date are written to the audit entry (`changes.name = [old, new]`). The
  `renamed` status is kept for imported legacy rows that were split into two records.
- **merge** (A and B into C) marks A and B `merged` with `successor = C` and the date;
  their inspections stay on A and B, and coverage follows `Unit.predecessors`. Their
  sub-units are re-hung under C.
"""

import hashlib
import secrets
import string
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import (
    OFFICE_ROLES,
    UNIT_ROLES,
    ApiToken,
    Office,
    Role,
    RoleAssignment,
    Unit,
    User,
)
from xuncha.org.passwords import character_classes, password_set

MAX_ACTIVE_TOKENS = 10
TOKEN_PREFIX = "xc_"  # noqa: S105 -- a visible marker, not a secret
UNIT_EDITORS = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


# ---------------------------------------------------------------- scope checks


def _require(condition: bool, message: str, field: str | None = None) -> None:
    """A business rule: the input is refused with a Chinese message (400 / form error)."""
    if not condition:
        raise DomainError(message, field=field)


def _allow(condition: bool, message: str, field: str | None = None) -> None:
    """A scope rule: the actor may not do this at all (403). Callers fetch the target
    through org.access first, so this re-check inside the transaction rarely fires."""
    if not condition:
        raise PermissionDenied(message)


def can_admin_office(user, office) -> bool:
    """Whether `user` administers accounts of `office` (its office admin or a sysadmin)."""
    if office is None:
        return False
    if access.is_sysadmin(user):
        return True
    return office.pk in {o.pk for o in access.user_offices(user, {Role.OFFICE_ADMIN})}


def can_edit_units_of(user, office) -> bool:
    """Whether `user` may create and change units managed by `office`."""
    if office is None:
        return False
    if access.is_sysadmin(user):
        return True
    return office.pk in {o.pk for o in access.user_offices(user, UNIT_EDITORS)}


def _manageable_user(actor, user) -> User:
    """The account, re-read under a lock, if `actor` may change it; DomainError otherwise."""
    row = access.visible(User.objects.all(), actor, access.CHANGE).filter(pk=user.pk)
    row = User.objects.select_for_update().filter(pk__in=row.values("pk")).first()
    _allow(row is not None, "无权管理该账号。")
    return row


def _scope_label(office=None, unit=None) -> str:
    return str(office or unit or "全局")


# ---------------------------------------------------------------- accounts


def generate_password(length: int = 14) -> str:
    """A random initial password meeting the policy (four character classes)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    symbols = "#%+=@!"
    while True:
        chars = [secrets.choice(alphabet) for _ in range(length - 2)]
        chars += [secrets.choice(symbols), secrets.choice(string.digits[2:])]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        if character_classes(password) == 4:
            return password


@transaction.atomic
def user_create(
    *, username: str, full_name: str, office=None, unit=None, email: str = "", actor
) -> tuple[User, str]:
    """Create an account in `office` or `unit`; returns it and its initial password."""
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    _require(bool(username), "请填写用户名。", "username")
    _require(len(username) <= 150, "用户名过长。", "username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise DomainError("用户名只能包含字母、数字和 @/./+/-/_ 字符。", "username") from None
    _require(bool(full_name), "请填写姓名。", "full_name")
    _require(len(full_name) <= 50, "姓名不能超过 50 个字。", "full_name")
    _require((office is None) != (unit is None), "账号须属于一个巡察机构或一个单位。", "office")
    scope_office = office if office is not None else unit.office
    _allow(
        can_admin_office(actor, scope_office),
        "只能为本机构及本机构管理的单位创建账号。",
        "office" if office is not None else "unit",
    )
    _require(
        not User.objects.filter(username__iexact=username).exists(),
        "该用户名已被使用。",
        "username",
    )
    password = generate_password()
    user = User(
        username=username,
        full_name=full_name,
        email=(email or "").strip()[:254],
        office=office,
        unit=unit,
    )
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=user,
        summary=f"创建账号 {username}",
        changes={
            "username": username,
            "full_name": full_name,
            "office": str(office or ""),
            "unit": str(unit or ""),
        },
    )
    return user, password


@transaction.atomic
def user_update(*, user, full_name: str, email: str = "", actor) -> User:
    user = _manageable_user(actor, user)
    full_name = (full_name or "").strip()
    _require(bool(full_name), "请填写姓名。", "full_name")
    _require(len(full_name) <= 50, "姓名不能超过 50 个字。", "full_name")
    before = {"full_name": user.full_name, "email": user.email}
    user.full_name, user.email = full_name, (email or "").strip()[:254]
    user.save(update_fields=["full_name", "email"])
    changes = {k: [v, getattr(user, k)] for k, v in before.items() if v != getattr(user, k)}
    if changes:
        record(actor=actor, action=Action.UPDATE, obj=user, changes=changes)
    return user


@transaction.atomic
def user_set_active(*, user, active: bool, actor) -> User:
    """Deactivate or reactivate an account; a deactivated account can neither log in nor
    use its API tokens."""
    _require(active or user.pk != actor.pk, "不能停用自己的账号。")
    user = _manageable_user(actor, user)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=user,
        summary=("启用账号 " if active else "停用账号 ") + user.username,
        changes={"is_active": [not active, active]},
    )
    return user


@transaction.atomic
def user_password_reset(*, user, actor) -> str:
    """Give the account a new initial password (to be changed at next login)."""
    user = _manageable_user(actor, user)
    password = generate_password()
    password_set(user, password, must_change=True)
    record(
        actor=actor, action=Action.PASSWORD, obj=user, summary=f"重置账号 {user.username} 的密码"
    )
    return password


@transaction.atomic
def user_unlock(*, user, actor) -> int:
    """Lift a login lockout (django-axes); returns how many failure records were removed."""
    from axes.utils import reset

    user = _manageable_user(actor, user)
    removed = reset(username=user.username)
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=user,
        summary=f"解除账号 {user.username} 的登录锁定",
        changes={"lockout_records_removed": removed},
    )
    return removed


@transaction.atomic
def user_otp_reset(*, user, actor) -> int:
    """Remove the account's authenticator devices; it enrols a new one at next login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _manageable_user(actor, user)
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record(
        actor=actor,
        action=Action.OTP,
        obj=user,
        summary=f"重置账号 {user.username} 的双因素验证器",
        changes={"devices_removed": removed},
    )
    return removed


def is_locked_out(user) -> bool:
    from axes.models import AccessAttempt
    from django.conf import settings

    return AccessAttempt.objects.filter(
        username=user.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).exists()


# ---------------------------------------------------------------- roles


def grantable_roles(actor) -> list[tuple[str, str]]:
    """The roles `actor` may hand out (labels for forms)."""
    if access.is_sysadmin(actor):
        return list(Role.choices)
    return [(v, label) for v, label in Role.choices if v != Role.SYSADMIN]


@transaction.atomic
def role_grant(*, user, role: str, office=None, unit=None, actor) -> RoleAssignment:
    """Grant `role` to `user` in a scope the actor administers."""
    _require(role in Role.values, "未知的角色。", "role")
    if role == Role.SYSADMIN:
        _allow(access.is_sysadmin(actor), "只有系统管理员可以授予系统管理员角色。", "role")
        office, unit = None, None
    elif role in OFFICE_ROLES:
        _require(
            office is not None and unit is None, "该角色须在一个巡察机构范围内授予。", "office"
        )
        _allow(can_admin_office(actor, office), "只能在本机构范围内授予角色。", "office")
    else:
        assert role in UNIT_ROLES
        _require(unit is not None and office is None, "该角色须在一个单位范围内授予。", "unit")
        _allow(
            can_admin_office(actor, unit.office),
            "只能为本机构管理的单位授予单位角色。",
            "unit",
        )
    user = _manageable_user(actor, user)
    exists = RoleAssignment.objects.filter(user=user, role=role, office=office, unit=unit)
    _require(not exists.exists(), "该用户在此范围内已有该角色。", "role")
    assignment = RoleAssignment.objects.create(user=user, role=role, office=office, unit=unit)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=assignment,
        summary=f"授予 {user.username} {assignment.get_role_display()}（{_scope_label(office, unit)}）",
        changes={"user": user.username, "role": role, "scope": _scope_label(office, unit)},
    )
    return assignment


@transaction.atomic
def role_revoke(*, assignment, actor) -> None:
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related("user", "office", "unit__office")
        .filter(pk=assignment.pk)
        .first()
    )
    _require(assignment is not None, "该授权不存在。")
    if assignment.role == Role.SYSADMIN:
        _allow(access.is_sysadmin(actor), "只有系统管理员可以撤销系统管理员角色。")
        _require(assignment.user_id != actor.pk, "不能撤销自己的系统管理员角色。")
    else:
        scope_office = assignment.office or assignment.unit.office
        _allow(can_admin_office(actor, scope_office), "只能撤销本机构范围内的角色。")
        _manageable_user(actor, assignment.user)
    summary = (
        f"撤销 {assignment.user.username} 的{assignment.get_role_display()}"
        f"（{_scope_label(assignment.office, assignment.unit)}）"
    )
    record(
        actor=actor,
        action=Action.DELETE,
        obj=assignment,
        summary=summary,
        changes={
            "user": assignment.user.username,
            "role": assignment.role,
            "scope": _scope_label(assignment.office, assignment.unit),
        },
    )
    assignment.delete()


# ---------------------------------------------------------------- API tokens


def digest_token(raw: str) -> str:
    """The stored form of a token: its SHA-256 hex digest."""
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


@transaction.atomic
def token_create(*, name: str, actor) -> tuple[ApiToken, str]:
    """A new API token for the actor; the secret is returned once, only its digest kept."""
    name = (name or "").strip()
    _require(bool(name), "请填写令牌用途。", "name")
    _require(len(name) <= 60, "令牌用途不能超过 60 个字。", "name")
    mine = ApiToken.objects.filter(user=actor, revoked=False)
    active = sum(1 for t in mine.only("created_at", "expires_at") if not t.expired)
    _require(active < MAX_ACTIVE_TOKENS, f"每个账号最多保留 {MAX_ACTIVE_TOKENS} 个有效令牌。")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        digest=digest_token(raw),
        prefix=raw[:8],
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=token,
        summary=f"创建 API 令牌 {name}",
        changes={"name": name, "prefix": token.prefix, "expires_at": token.expires_at},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token, actor) -> ApiToken:
    token = access.visible(ApiToken.objects.all(), actor, access.CHANGE).filter(pk=token.pk)
    token = token.select_for_update().first()
    _allow(token is not None, "该令牌不存在。")
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=token,
            summary=f"吊销 API 令牌 {token.name}",
            changes={"revoked": [False, True]},
        )
    return token


# ---------------------------------------------------------------- units


def _clean_unit_name(name: str) -> str:
    name = (name or "").strip()
    _require(bool(name), "请填写单位名称。", "name")
    _require(len(name) <= 120, "单位名称不能超过 120 个字。", "name")
    return name


def _check_parent(actor, parent, office) -> None:
    if parent is None:
        return
    _require(parent.status == Unit.Status.ACTIVE, "上级党组织已合并或撤销。", "parent")
    _allow(
        access.can(actor, parent, access.VIEW),
        "上级党组织不存在或无权访问。",
        "parent",
    )


def _unit_dict(unit) -> dict:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "office": str(unit.office),
        "parent": str(unit.parent or ""),
        "district": unit.district,
        "status": unit.status,
    }


@transaction.atomic
def unit_create(*, name: str, kind: str, office, parent=None, district: str = "", actor) -> Unit:
    name = _clean_unit_name(name)
    _require(kind in Unit.Kind.values, "请选择单位类型。", "kind")
    _allow(can_edit_units_of(actor, office), "只能在本机构管理范围内新建单位。", "office")
    _check_parent(actor, parent, office)
    _require(
        not Unit.objects.filter(office=office, name=name, status=Unit.Status.ACTIVE).exists(),
        "本机构已有同名单位。",
        "name",
    )
    unit = Unit.objects.create(
        name=name, kind=kind, office=office, parent=parent, district=(district or "").strip()[:60]
    )
    record(actor=actor, action=Action.CREATE, obj=unit, changes=_unit_dict(unit))
    return unit


def _locked_unit(actor, unit) -> Unit:
    row = (
        access.visible(Unit.objects.all(), actor, access.CHANGE)
        .select_related("office", "parent")
        .filter(pk=unit.pk)
    )
    row = row.select_for_update(of=("self",)).first()
    _allow(row is not None, "该单位不存在或无权修改。")
    return row


@transaction.atomic
def unit_update(*, unit, kind: str, district: str = "", actor) -> Unit:
    """Edit a unit's type and district (names change through `unit_rename`)."""
    unit = _locked_unit(actor, unit)
    _require(kind in Unit.Kind.values, "请选择单位类型。", "kind")
    before = _unit_dict(unit)
    unit.kind, unit.district = kind, (district or "").strip()[:60]
    unit.save(update_fields=["kind", "district"])
    after = _unit_dict(unit)
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if changes:
        record(actor=actor, action=Action.UPDATE, obj=unit, changes=changes)
    return unit


@transaction.atomic
def unit_rename(*, unit, name: str, on: date | None = None, actor) -> Unit:
    """Rename in place: the row (and so its inspection history) stays; the audit entry
    keeps the former name and the date."""
    unit = _locked_unit(actor, unit)
    _require(unit.status == Unit.Status.ACTIVE, "只能对正常状态的单位更名。")
    name = _clean_unit_name(name)
    _require(name != unit.name, "新名称与原名称相同。", "name")
    on = on or timezone.localdate()
    old = unit.name
    unit.name, unit.status_changed_on = name, on
    unit.save(update_fields=["name", "status_changed_on"])
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=unit,
        summary=f"单位更名：{old} → {name}",
        changes={"name": [old, name], "renamed_on": on.isoformat()},
    )
    return unit


@transaction.atomic
def unit_move(*, unit, new_parent, actor) -> Unit:
    """Re-hang a unit and its whole subtree under another unit (or at the top level)."""
    unit = _locked_unit(actor, unit)
    if new_parent is not None:
        new_parent = Unit.objects.select_related("office").get(pk=new_parent.pk)
    _check_parent(actor, new_parent, unit.office)
    old_parent = unit.parent
    if (old_parent.pk if old_parent else None) == (new_parent.pk if new_parent else None):
        return unit
    try:
        unit.move_to(new_parent)
    except ValueError as error:
        raise DomainError(str(error), "parent") from None
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=unit,
        summary=f"调整隶属关系：{unit.name}",
        changes={"parent": [str(old_parent or ""), str(new_parent or "")]},
    )
    return unit


@transaction.atomic
def unit_merge(
    *,
    units,
    into=None,
    name: str = "",
    kind: str = "",
    on: date | None = None,
    actor,
) -> Unit:
    """Merge `units` into `into` (an existing unit) or into a new unit called `name`.

    The predecessors keep their rows and history, get status `merged` and point to the
    successor; their sub-units move under the successor."""
    units = list(units)
    _require(len(units) >= 1, "请选择要合并的单位。", "units")
    locked = [_locked_unit(actor, u) for u in units]
    _require(len({u.pk for u in locked}) == len(locked), "合并单位有重复。", "units")
    for u in locked:
        _require(u.status == Unit.Status.ACTIVE, f"{u.name} 已合并或撤销，不能再次合并。", "units")
    on = on or timezone.localdate()
    if into is None:
        first = locked[0]
        successor = unit_create(
            name=name,
            kind=kind or first.kind,
            office=first.office,
            parent=first.parent,
            district=first.district,
            actor=actor,
        )
    else:
        _require(not name, "合并到已有单位时不需要填写新名称。", "name")
        successor = _locked_unit(actor, into)
        _require(successor.status == Unit.Status.ACTIVE, "合并后的单位须为正常状态。", "into")
        _require(all(u.pk != successor.pk for u in locked), "不能把单位合并到它自己。", "into")
        _require(
            not any(successor.path.startswith(u.path) for u in locked),
            "不能合并到被合并单位的下级单位。",
            "into",
        )
    for u in locked:
        for child in Unit.objects.filter(parent=u).order_by("pk"):
            child.move_to(successor)
        Unit.objects.filter(pk=u.pk).update(
            status=Unit.Status.MERGED, successor=successor, status_changed_on=on
        )
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=u,
            summary=f"单位合并：{u.name} 并入 {successor.name}",
            changes={
                "status": [Unit.Status.ACTIVE, Unit.Status.MERGED],
                "successor": successor.name,
                "merged_on": on.isoformat(),
            },
        )
    return successor


def unit_history(unit) -> list[Unit]:
    """The units merged into `unit`, directly or through earlier merges."""
    found, seen, frontier = [], {unit.pk}, [unit.pk]
    while frontier:
        rows = [r for r in Unit.objects.filter(successor__in=frontier).order_by("pk")]
        rows = [r for r in rows if r.pk not in seen]
        seen.update(r.pk for r in rows)
        found.extend(rows)
        frontier = [r.pk for r in rows]
    return found


# ---------------------------------------------------------------- offices


@transaction.atomic
def office_create(*, name: str, level: str, parent=None, region: str = "", actor) -> Office:
    """Offices are system data: only a system administrator creates them."""
    _allow(access.is_sysadmin(actor), "只有系统管理员可以新建巡察机构。")
    name = (name or "").strip()
    _require(bool(name) and len(name) <= 100, "请填写机构名称（不超过 100 字）。", "name")
    _require(level in Office.Level.values, "请选择机构层级。", "level")
    office = Office.objects.create(
        name=name, level=level, parent=parent, region=(region or "").strip()[:60]
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=office,
        changes={"name": name, "level": level, "parent": str(parent or "")},
    )
    return office
