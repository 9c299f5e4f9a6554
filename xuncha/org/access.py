"""The only door to protected objects.

Every view, API operation and task fetches protected rows through `visible()` or
`get_for_user()`. The rules themselves live next to the models, as a queryset method
`for_user(user, action)` that returns the rows the user may act on, filtered in SQL.
A model without `for_user` is refused: protection is the default.

The helpers below build the SQL conditions those rules share: "the row belongs to an
office where the user holds one of these roles", optionally including the offices below.
"""

from django.db.models import Q
from django.http import Http404

from xuncha.core import cache
from xuncha.org.models import OFFICE_ROLES, Role, User

VIEW = "view"
CHANGE = "change"


def _assignments(user):
    # A user holds a handful of role assignments; read them once per request.
    # Across requests they are cached per user until the next audited write (a grant or
    # a revocation is one), see xuncha/core/cache.py.
    if not hasattr(user, "_assignment_cache"):
        user._assignment_cache = cache.per_user(
            user,
            "roles",
            lambda: list(
                user.roles.select_related("office", "unit").only(
                    "role", "office__path", "office__id", "unit__path", "unit__id"
                )
            ),
            shared=False,
        )
        # The same rows answer User.role_set(): one query for both per request.
        if not hasattr(user, "_role_cache"):
            user._role_cache = {a.role for a in user._assignment_cache}
    return user._assignment_cache


def is_sysadmin(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(a.role == Role.SYSADMIN for a in _assignments(user))


def office_q(user, roles=OFFICE_ROLES, field="office", subtree=False) -> Q:
    """Rows whose `field` is an office where the user holds one of `roles`.

    With subtree=True the offices below those offices match too (a city office
    reading what its counties filed or their statistics).
    """
    q = Q(pk__in=[])
    if not user.is_authenticated:
        return q
    wanted = {str(r) for r in roles}
    for a in _assignments(user):
        if a.role not in wanted or a.office_id is None:
            continue
        if subtree:
            q |= Q(**{f"{field}__path__startswith": a.office.path})
        else:
            q |= Q(**{f"{field}_id": a.office_id})
    return q


def unit_q(user, roles, field="unit", subtree=False) -> Q:
    """Rows whose `field` is a unit where the user holds one of `roles`."""
    q = Q(pk__in=[])
    if not user.is_authenticated:
        return q
    wanted = {str(r) for r in roles}
    for a in _assignments(user):
        if a.role not in wanted or a.unit_id is None:
            continue
        if subtree:
            q |= Q(**{f"{field}__path__startswith": a.unit.path})
        else:
            q |= Q(**{f"{field}_id": a.unit_id})
    return q


def user_offices(user, roles=OFFICE_ROLES):
    """The offices where the user holds one of `roles` (no subtree)."""
    wanted = {str(r) for r in roles}
    return [a.office for a in _assignments(user) if a.role in wanted and a.office_id]


def user_units(user, roles):
    wanted = {str(r) for r in roles}
    return [a.unit for a in _assignments(user) if a.role in wanted and a.unit_id]


TEAM = "team"  # pseudo-role for menus and home panels: member of an inspection team


def is_team_member(user) -> bool:
    """Whether the user sits on at least one inspection team (one query, cached)."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_team_member_cache"):
        user._team_member_cache = cache.per_user(
            user,
            "team",
            lambda: User.objects.filter(pk=user.pk, inspector__memberships__isnull=False).exists(),
            shared=False,
        )
    return user._team_member_cache


def role_keys(user) -> set[str]:
    """The user's roles, plus TEAM for team members: what menus and home panels key on."""
    keys = set(user.role_set())
    if is_sysadmin(user):
        keys.add(str(Role.SYSADMIN))
    if is_team_member(user):
        keys.add(TEAM)
    return keys


def manages_accounts(user) -> bool:
    """Whether the user may open account management at all (rows are still scoped)."""
    return is_sysadmin(user) or user.has_role(Role.OFFICE_ADMIN)


def edits_units(user) -> bool:
    """Whether the user may create or change units somewhere (rows are still scoped)."""
    return is_sysadmin(user) or user.has_role(Role.OFFICE_ADMIN, Role.OFFICE_STAFF)


def visible(queryset, user, action=VIEW):
    """The rows of `queryset` that `user` may `action`, filtered in SQL."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    rule = getattr(queryset, "for_user", None)
    if rule is None:
        raise TypeError(f"{queryset.model.__name__} has no access rule (QuerySet.for_user)")
    return rule(user, action)


def get_for_user(queryset_or_model, user, pk, action=VIEW):
    """One row the user may `action`; 404 otherwise, so that existence does not leak."""
    queryset = getattr(queryset_or_model, "_default_manager", queryset_or_model)
    queryset = queryset.all()
    try:
        return visible(queryset, user, action).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("对象不存在或无权访问") from None


def can(user, obj, action=VIEW) -> bool:
    """Whether `user` may `action` on `obj` (one query)."""
    manager = type(obj)._default_manager
    return visible(manager.all(), user, action).filter(pk=obj.pk).exists()
