"""Offices and units as materialised-path trees: subtree, ancestors, moves, merges, renames.

Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://...): the path arithmetic of
`move_to` is a single UPDATE with CONCAT/SUBSTR, which the two databases spell differently.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.org import services
from xuncha.org.models import Office, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    # Argon2 costs ~0.7 s per cast account on a loaded box, and WhiteNoise with
    # USE_FINDERS rescans every static file for each new test Client; neither is
    # what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False


def _unit(name, office, parent=None, kind=Unit.Kind.OTHER):
    return Unit.objects.create(name=name, kind=kind, office=office, parent=parent)


def _names(qs):
    return sorted(qs.values_list("name", flat=True))


def _assert_paths_consistent():
    """Every node's path is its parent's path plus its own id, and depth matches."""
    for model in (Unit, Office):
        for node in model.objects.select_related("parent"):
            parent_path = node.parent.path if node.parent_id else ""
            assert node.path == f"{parent_path}{node.pk:08d}/", node
            assert node.depth == node.path.count("/") - 1, node


@pytest.fixture
def tree(cast):
    """city: bureau > bureau_child > station > post; plus a second branch."""
    u = cast.units
    station = _unit("公路养护站", cast.city, u["bureau_child"])
    post = _unit("养护站第一班组", cast.city, station)
    other = _unit("江州市水利局", cast.city, kind=Unit.Kind.CITY_DEPARTMENT)
    return {"station": station, "post": post, "other": other, **u}


def test_paths_and_depth_on_create(tree):
    assert tree["bureau"].depth == 0
    assert tree["bureau_child"].depth == 1
    assert tree["post"].depth == 3
    assert tree["post"].path.startswith(tree["bureau"].path)
    _assert_paths_consistent()


def test_subtree_is_filtered_in_sql(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = _names(Unit.objects.subtree(tree["bureau"]))
    assert names == sorted(
        ["江州市交通运输局", "江州市公路事业发展中心", "公路养护站", "养护站第一班组"]
    )
    assert "江州市交通运输局" not in _names(
        Unit.objects.subtree(tree["bureau"], include_self=False)
    )


def test_ancestors(tree):
    assert _names(Unit.objects.ancestors_of(tree["post"])) == sorted(
        ["江州市交通运输局", "江州市公路事业发展中心", "公路养护站"]
    )
    assert list(Unit.objects.ancestors_of(tree["bureau"])) == []
    assert tree["post"] in Unit.objects.ancestors_of(tree["post"], include_self=True)


def test_office_tree(cast):
    assert _names(Office.objects.subtree(cast.city)) == sorted(
        ["江州市委巡察办", "临川县委巡察办", "安平区委巡察办"]
    )
    assert list(Office.objects.ancestors_of(cast.county_a)) == [cast.city]


def test_move_unit_with_its_subtree(tree):
    tree["station"].move_to(tree["other"])
    station = Unit.objects.get(pk=tree["station"].pk)
    post = Unit.objects.get(pk=tree["post"].pk)
    assert station.parent_id == tree["other"].pk
    assert station.depth == 1 and post.depth == 2
    assert _names(Unit.objects.subtree(tree["other"])) == sorted(
        ["江州市水利局", "公路养护站", "养护站第一班组"]
    )
    assert "养护站第一班组" not in _names(Unit.objects.subtree(tree["bureau"]))
    assert _names(Unit.objects.ancestors_of(post)) == sorted(["江州市水利局", "公路养护站"])
    _assert_paths_consistent()


def test_move_to_top_level_and_back(tree):
    tree["bureau_child"].move_to(None)
    assert Unit.objects.get(pk=tree["post"].pk).depth == 2
    tree["bureau_child"].move_to(tree["bureau"])
    assert Unit.objects.get(pk=tree["post"].pk).depth == 3
    _assert_paths_consistent()


def test_move_under_own_descendant_is_refused(tree):
    with pytest.raises(ValueError):
        tree["bureau"].move_to(tree["post"])
    with pytest.raises(ValueError):
        tree["bureau"].move_to(tree["bureau"])
    _assert_paths_consistent()


def test_move_reads_fresh_paths_not_stale_instances(tree):
    stale_station = Unit.objects.get(pk=tree["station"].pk)
    tree["bureau_child"].move_to(tree["other"])  # station's path changes underneath
    stale_station.move_to(tree["bureau"])
    _assert_paths_consistent()
    assert Unit.objects.get(pk=tree["post"].pk).depth == 2


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(moves=st.lists(st.tuples(st.integers(0, 7), st.integers(-1, 7)), max_size=12))
def test_random_moves_keep_tree_consistent(cast, moves):
    """Any sequence of allowed moves leaves every path equal to its parent chain."""
    office = cast.city
    nodes = [_unit(f"随机单位{i}", office) for i in range(8)]
    for node_index, parent_index in moves:
        node = nodes[node_index]
        parent = None if parent_index < 0 else Unit.objects.get(pk=nodes[parent_index].pk)
        fresh = Unit.objects.get(pk=node.pk)
        if parent is not None and parent.path.startswith(fresh.path):
            with pytest.raises(ValueError):
                node.move_to(parent)
        else:
            node.move_to(parent)
    _assert_paths_consistent()
    Unit.objects.filter(pk__in=[n.pk for n in nodes]).update(parent=None)
    Unit.objects.filter(pk__in=[n.pk for n in nodes]).delete()


# ---------------------------------------------------------------- unit services


def test_unit_create_is_audited_and_scoped(cast):
    unit = services.unit_create(
        name="江州市审计局",
        kind=Unit.Kind.CITY_DEPARTMENT,
        office=cast.city,
        actor=cast.office_staff,
    )
    entry = AuditEntry.objects.get(object_type="org.unit", object_id=str(unit.pk))
    assert entry.action == "create" and entry.actor == cast.office_staff
    with pytest.raises(PermissionDenied):
        services.unit_create(
            name="临川县某局", kind=Unit.Kind.OTHER, office=cast.county_a, actor=cast.office_staff
        )
    with pytest.raises(PermissionDenied):
        services.unit_create(
            name="某局", kind=Unit.Kind.OTHER, office=cast.city, actor=cast.leading_group
        )
    with pytest.raises(DomainError):
        services.unit_create(
            name="江州市审计局", kind=Unit.Kind.OTHER, office=cast.city, actor=cast.office_staff
        )


def test_unit_move_service(tree, cast):
    services.unit_move(unit=tree["station"], new_parent=tree["other"], actor=cast.office_admin)
    assert Unit.objects.get(pk=tree["post"].pk).path.startswith(tree["other"].path)
    entry = AuditEntry.objects.filter(object_id=str(tree["station"].pk)).latest("seq")
    assert entry.changes["parent"] == ["江州市公路事业发展中心", "江州市水利局"]
    with pytest.raises(DomainError):
        services.unit_move(
            unit=tree["bureau"], new_parent=tree["bureau_child"], actor=cast.office_admin
        )
    with pytest.raises(PermissionDenied):  # a county cannot move a city unit
        services.unit_move(unit=tree["station"], new_parent=None, actor=cast.county_staff)


def test_rename_keeps_the_row_and_records_the_old_name(tree, cast):
    unit = tree["bureau"]
    inspection = cast.inspections["a"]
    services.unit_rename(
        unit=unit, name="江州市交通运输和港航局", on=date(2026, 6, 1), actor=cast.office_admin
    )
    unit.refresh_from_db()
    assert unit.name == "江州市交通运输和港航局" and unit.status == Unit.Status.ACTIVE
    assert unit.status_changed_on == date(2026, 6, 1)
    assert list(inspection.units.all()) == [unit]  # inspection history stays attached
    entry = AuditEntry.objects.filter(object_id=str(unit.pk), action="update").latest("seq")
    assert entry.changes["name"] == ["江州市交通运输局", "江州市交通运输和港航局"]
    assert entry.changes["renamed_on"] == "2026-06-01"


def test_merge_two_units_into_a_new_one(tree, cast):
    a, b = tree["bureau"], tree["other"]
    successor = services.unit_merge(
        units=[a, b], name="江州市交通水利局", on=date(2026, 7, 1), actor=cast.office_admin
    )
    for unit in (a, b):
        unit.refresh_from_db()
        assert unit.status == Unit.Status.MERGED
        assert unit.successor == successor
        assert unit.status_changed_on == date(2026, 7, 1)
    # sub-units follow the successor; inspections stay on the predecessor
    assert Unit.objects.get(pk=tree["bureau_child"].pk).parent == successor
    assert Unit.objects.get(pk=tree["post"].pk).path.startswith(successor.path)
    assert list(cast.inspections["a"].units.all()) == [a]
    assert {u.pk for u in services.unit_history(successor)} == {a.pk, b.pk}
    assert set(successor.predecessors.all()) == {a, b}
    _assert_paths_consistent()
    with pytest.raises(DomainError):  # a merged unit cannot be merged again
        services.unit_merge(units=[a], into=tree["discipline"], actor=cast.office_admin)


def test_merge_into_an_existing_unit_and_chains(tree, cast):
    services.unit_merge(units=[tree["other"]], into=tree["discipline"], actor=cast.office_admin)
    final = services.unit_merge(
        units=[tree["discipline"]], name="江州市纪检监察综合局", actor=cast.office_admin
    )
    assert {u.name for u in services.unit_history(final)} == {"江州市纪委监委", "江州市水利局"}


def test_merge_refuses_bad_targets(tree, cast):
    with pytest.raises(DomainError):
        services.unit_merge(units=[tree["bureau"]], into=tree["post"], actor=cast.office_admin)
    with pytest.raises(DomainError):
        services.unit_merge(units=[tree["bureau"]], into=tree["bureau"], actor=cast.office_admin)
    with pytest.raises(PermissionDenied):
        services.unit_merge(units=[tree["bureau"]], into=tree["other"], actor=cast.county_staff)
    assert Unit.objects.filter(status=Unit.Status.MERGED).count() == 0


def test_failed_merge_leaves_nothing_behind(tree, cast):
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        # the new name collides with an active unit: refused after validation started
        services.unit_merge(units=[tree["other"]], name="江州市交通运输局", actor=cast.office_admin)
    assert AuditEntry.objects.count() == before
    assert Unit.objects.get(pk=tree["other"].pk).status == Unit.Status.ACTIVE
