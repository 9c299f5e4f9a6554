"""The access layer for org objects (domain.md §6), and the rule that views use it.

Who sees which units:
- office roles: their office's units and those of the offices below (statistics,
  filed plans); they change only their own office's units (admin and staff);
- unit liaison / handover recipient: their own unit only;
- team members: the units of their inspections;
- outsider: nothing; sysadmin: everything (administration).
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from xuncha.org import access
from xuncha.org.models import ApiToken, Office, RoleAssignment, Unit, User
from xuncha.org.services import token_create

pytestmark = pytest.mark.django_db

ALL_UNITS = {"bureau", "bureau_child", "discipline", "township_a", "village_a", "township_b"}
CITY_UNITS = {"bureau", "bureau_child", "discipline"}

# user -> the units it may view, and the units it may change
UNIT_RULES = {
    "sysadmin": (ALL_UNITS, ALL_UNITS),
    "office_admin": (ALL_UNITS, CITY_UNITS),
    "office_staff": (ALL_UNITS, CITY_UNITS),
    "leading_group": (ALL_UNITS, set()),
    "custodian": (ALL_UNITS, set()),
    "auditor": (ALL_UNITS, set()),
    "county_staff": ({"township_a", "village_a"}, {"township_a", "village_a"}),
    "county_b_staff": ({"township_b"}, {"township_b"}),
    "unit_liaison": ({"bureau"}, set()),
    "handover_recipient": ({"discipline"}, set()),
    "team_leader": ({"bureau"}, set()),
    "team_member": ({"bureau"}, set()),
    "other_member": ({"township_a"}, set()),
    "outsider": (set(), set()),
}


@pytest.fixture(autouse=True)
def _fast(settings):
    # Argon2 costs ~0.7 s per cast account on a loaded box, and WhiteNoise with
    # USE_FINDERS rescans every static file for each new test Client; neither is
    # what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False


def _unit_keys(cast, qs):
    by_pk = {u.pk: key for key, u in cast.units.items()}
    return {by_pk[pk] for pk in qs.values_list("pk", flat=True)}


@pytest.mark.parametrize("username", sorted(UNIT_RULES))
def test_unit_rules(cast, username):
    user = cast.users[username]
    can_view, can_change = UNIT_RULES[username]
    assert _unit_keys(cast, access.visible(Unit.objects.all(), user)) == can_view
    assert _unit_keys(cast, access.visible(Unit.objects.all(), user, access.CHANGE)) == can_change
    for key, unit in cast.units.items():
        if key in can_view:
            assert access.get_for_user(Unit, user, unit.pk) == unit
        else:
            with pytest.raises(Http404):
                access.get_for_user(Unit, user, unit.pk)


def test_unit_rule_is_one_query(cast, django_assert_num_queries):
    user = User.objects.get(username="team_member")
    with django_assert_num_queries(2):  # the user's role grants, then the units
        list(access.visible(Unit.objects.all(), user))


def test_office_rules(cast):
    def names(user, action=access.VIEW):
        return {o.name for o in access.visible(Office.objects.all(), user, action)}

    everyone = {"江州市委巡察办", "临川县委巡察办", "安平区委巡察办"}
    assert names(cast.office_staff) == everyone  # the city reads its counties
    assert names(cast.county_staff) == {"临川县委巡察办"}
    assert names(cast.unit_liaison) == set()
    assert names(cast.outsider) == set()
    assert names(cast.office_admin, access.CHANGE) == {"江州市委巡察办"}
    assert names(cast.office_staff, access.CHANGE) == set()
    assert names(cast.sysadmin, access.CHANGE) == everyone


def test_user_rules(cast):
    def names(user, action=access.VIEW):
        return {u.username for u in access.visible(User.objects.all(), user, action)}

    city_accounts = {
        "sysadmin",
        "office_admin",
        "office_staff",
        "leading_group",
        "custodian",
        "auditor",
        "team_leader",
        "team_member",
        "other_member",
        "unit_liaison",  # the bureau is a unit the city office manages
        "handover_recipient",
    }
    assert names(cast.office_admin) == city_accounts
    # changing: never oneself, never a system administrator
    assert names(cast.office_admin, access.CHANGE) == city_accounts - {"office_admin", "sysadmin"}
    assert names(cast.office_staff) == {"office_staff"}
    assert names(cast.office_staff, access.CHANGE) == set()
    assert names(cast.county_staff) == {"county_staff"}
    assert names(cast.outsider) == {"outsider"}
    assert names(cast.sysadmin) == set(User.objects.values_list("username", flat=True))


def test_role_grants_follow_their_account(cast):
    visible = access.visible(RoleAssignment.objects.all(), cast.office_admin)
    holders = set(visible.values_list("user__username", flat=True))
    assert "county_staff" not in holders and "office_staff" in holders
    changeable = access.visible(RoleAssignment.objects.all(), cast.office_admin, access.CHANGE)
    assert "sysadmin" not in set(changeable.values_list("user__username", flat=True))


def test_tokens_belong_to_their_owner(cast):
    mine, _ = token_create(name="我的", actor=cast.office_staff)
    theirs, _ = token_create(name="别人的", actor=cast.county_staff)
    assert list(access.visible(ApiToken.objects.all(), cast.office_staff)) == [mine]
    with pytest.raises(Http404):
        access.get_for_user(ApiToken, cast.office_staff, theirs.pk, access.CHANGE)
    assert set(access.visible(ApiToken.objects.all(), cast.sysadmin)) == {mine, theirs}


def test_anonymous_and_inactive_see_nothing(cast):
    assert not access.visible(Unit.objects.all(), AnonymousUser()).exists()
    cast.office_staff.is_active = False
    assert not access.visible(Unit.objects.all(), cast.office_staff).exists()


@pytest.mark.parametrize("pk", ["abc", None, -1, 10**12, "1 OR 1=1"])
def test_get_for_user_404_on_bad_ids(cast, pk):
    with pytest.raises(Http404):
        access.get_for_user(Unit, cast.sysadmin, pk)


def test_models_without_a_rule_are_refused(cast):
    from xuncha.org.models import PasswordHistory

    with pytest.raises(TypeError):
        access.visible(PasswordHistory.objects.all(), cast.sysadmin)


def test_role_keys_include_team_membership(cast):
    assert access.role_keys(cast.team_member) == {access.TEAM}
    assert access.role_keys(cast.office_staff) == {"office_staff"}
    assert access.role_keys(cast.outsider) == set()


# ---------------------------------------------------------------- one door, enforced

ROOT = Path(__file__).resolve().parents[2] / "xuncha"

# (file relative to xuncha/, function) -> why it may fetch a protected row directly.
ALLOWED_DIRECT_FETCHES: dict[tuple[str, str], str] = {
    ("petitions/public_views.py", "announcement_detail"): "公开页面：只读已发布公告 (public())",
    ("petitions/public_views.py", "submit"): "公开页面：向已发布公告提交反映 (public())",
    ("petitions/public_views.py", "submit_general"): "公开页面：巡察机构是公开的受理渠道",
    ("plans/api.py", "workdays"): "get_object_or_404(Term, pk=0) 只为在无机构时返回 404",
}


def _protected_model_names() -> set[str]:
    """Every model whose QuerySet defines for_user, i.e. every protected model."""
    return {
        model.__name__
        for model in apps.get_models()
        if hasattr(model._default_manager.get_queryset(), "for_user")
    }


def _entry_files() -> list[Path]:
    files = [ROOT / "api.py"]
    for pattern in ("*/views.py", "*/views_*.py", "*/*_views.py", "*/views/*.py", "*/api.py"):
        files.extend(ROOT.glob(pattern))
    return sorted(set(f for f in files if f.is_file()))


def _chain_root(node):
    """For a call like Model.objects.select_related(...).get(...), the name `Model`
    and whether the chain passes through `.objects` / `._default_manager`."""
    through_manager = False
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in {"objects", "_default_manager"}:
                through_manager = True
            node = node.value
        else:
            break
    return (node.id if isinstance(node, ast.Name) else None), through_manager


def _direct_fetches(path: Path, protected: set[str]):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if name in {"get_object_or_404", "get_list_or_404"} and node.args:
                model, _ = _chain_root(node.args[0])
                if model in protected:
                    yield func.name, node.lineno, f"{name}({model})"
            elif isinstance(callee, ast.Attribute) and callee.attr in {"get", "get_or_create"}:
                model, through_manager = _chain_root(callee.value)
                if through_manager and model in protected:
                    yield func.name, node.lineno, f"{model}.objects….{callee.attr}"


def test_views_and_api_fetch_protected_objects_only_through_access():
    protected = _protected_model_names()
    assert {"Unit", "Office", "User", "RoleAssignment", "ApiToken"} <= protected
    offences = []
    for path in _entry_files():
        relative = str(path.relative_to(ROOT))
        for function, line, what in _direct_fetches(path, protected):
            if (relative, function) not in ALLOWED_DIRECT_FETCHES:
                offences.append(f"xuncha/{relative}:{line} {function}() uses {what}")
    assert not offences, (
        "视图和 API 只能通过 xuncha.org.access.get_for_user / visible 读取受保护对象：\n"
        + "\n".join(offences)
    )


def test_the_scanner_catches_a_direct_fetch(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def bad(request, pk):\n"
        "    unit = Unit.objects.select_related('office').get(pk=pk)\n"
        "    other = get_object_or_404(Unit, pk=pk)\n"
        "def fine(request, pk):\n"
        "    return access.get_for_user(Unit, request.user, pk)\n",
        encoding="utf-8",
    )
    found = list(_direct_fetches(sample, {"Unit"}))
    assert [(f, line) for f, line, _ in found] == [("bad", 2), ("bad", 3)]
