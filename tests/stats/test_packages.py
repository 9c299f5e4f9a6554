"""Signed statistics and rules packages between installations: what is accepted, what is
refused (with a Chinese message, nothing stored, no audit entry), and the roll-up."""

import json

import pytest

from tests.cast import client_for
from tests.stats.conftest import (
    CITY_KEY,
    COUNTY_A_KEY,
    STRANGER_KEY,
    figures,
    package,
    raw,
)
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.stats import packages, services
from xuncha.stats.models import RulesPackage, StatsPackage


def _refused(cast, data, message):
    before = (
        StatsPackage.objects.count(),
        RulesPackage.objects.count(),
        AuditEntry.objects.count(),
    )
    with pytest.raises(DomainError) as info:
        packages.package_import(owner=cast.city, data=data, actor=cast.office_staff)
    assert message in info.value.message, info.value.message
    after = (StatsPackage.objects.count(), RulesPackage.objects.count(), AuditEntry.objects.count())
    assert after == before, "a refused package left something behind"
    return info.value.message


@pytest.mark.django_db
def test_import_rolls_up_and_lists_who_has_not_reported(linked):
    cast = linked
    pkg = packages.package_import(
        owner=cast.city, data=raw(package(COUNTY_A_KEY)), actor=cast.office_staff
    )
    assert (pkg.period, pkg.version, pkg.counterpart) == ("2026Q1", 1, cast.cp_a)
    assert AuditEntry.objects.filter(object_type="stats.statspackage").exists()
    result = services.rollup(root=cast.city, period="2026Q1")
    col = next(c for c in result.table.columns if c.office_id == cast.county_a.pk)
    assert col.source == "报送数据 第1版"
    assert result.table.figures[col.key]["problems_found"] == 7
    assert result.table.figures[col.key]["problems_per_unit"] == round(7 / 3, 2)
    assert [c.name for c in result.not_reported] == ["安平区委巡察办（独立部署）"]
    assert result.table.total["problems_found"] == 7  # the unreported county adds nothing


@pytest.mark.django_db
def test_correction_is_a_new_version_latest_counts_history_kept(linked):
    cast = linked
    packages.package_import(
        owner=cast.city, data=raw(package(COUNTY_A_KEY)), actor=cast.office_staff
    )
    packages.package_import(
        owner=cast.city,
        data=raw(package(COUNTY_A_KEY, version=2, figs=figures(problems_found=9))),
        actor=cast.office_staff,
    )
    assert list(
        StatsPackage.objects.filter(counterpart=cast.cp_a).values_list("version", flat=True)
    ) == [2, 1]
    result = services.rollup(root=cast.city, period="2026Q1")
    col = next(c for c in result.table.columns if c.office_id == cast.county_a.pk)
    assert result.table.figures[col.key]["problems_found"] == 9
    assert col.source == "报送数据 第2版"


@pytest.mark.django_db
def test_bad_signature_unknown_key_and_inactive_counterpart_are_refused(linked):
    cast = linked
    doc = package(COUNTY_A_KEY)
    doc["body"]["figures"]["problems_found"] = 70  # changed after signing
    _refused(cast, raw(doc), "签名验证失败")
    doc = package(COUNTY_A_KEY)
    doc["signature"] = "zz"
    _refused(cast, raw(doc), "签名")
    _refused(cast, raw(package(STRANGER_KEY)), "公钥未登记")
    services.counterpart_set_active(counterpart=cast.cp_a, active=False, actor=cast.office_admin)
    _refused(cast, raw(package(COUNTY_A_KEY)), "已停用")


@pytest.mark.django_db
def test_replays_and_out_of_order_periods_are_refused(linked):
    cast = linked
    first = raw(package(COUNTY_A_KEY, period="2026Q1"))
    packages.package_import(owner=cast.city, data=first, actor=cast.office_staff)
    _refused(cast, first, "重复导入")
    _refused(cast, raw(package(COUNTY_A_KEY, period="2026Q1", version=1)), "重放或过期")
    _refused(cast, raw(package(COUNTY_A_KEY, period="2026Q3")), "统计期间不连续")
    _refused(cast, raw(package(COUNTY_A_KEY, period="2025Q4")), "顺序错误")
    packages.package_import(
        owner=cast.city, data=raw(package(COUNTY_A_KEY, period="2026Q2")), actor=cast.office_staff
    )
    packages.package_import(
        owner=cast.city, data=raw(package(COUNTY_A_KEY, period="2026Q3")), actor=cast.office_staff
    )
    # years are their own series
    packages.package_import(
        owner=cast.city, data=raw(package(COUNTY_A_KEY, period="2025")), actor=cast.office_staff
    )
    _refused(cast, raw(package(COUNTY_A_KEY, period="2027")), "不连续")


@pytest.mark.django_db
def test_malformed_packages_get_clear_chinese_messages(linked):
    cast = linked
    _refused(cast, b"\xff\xfe not json", "不是有效的 JSON")
    _refused(cast, b"[1, 2]", "不是本系统生成")
    _refused(cast, json.dumps({"format": packages.FORMAT}).encode(), "缺少字段")
    _refused(cast, raw(package(COUNTY_A_KEY, period="2026Q9")), "统计期间")
    _refused(cast, raw(package(COUNTY_A_KEY, version=0)), "版本号")
    _refused(cast, raw(package(COUNTY_A_KEY, version="1")), "版本号")
    _refused(cast, raw(package(COUNTY_A_KEY, created_at="昨天")), "生成时间")
    _refused(cast, raw(package(COUNTY_A_KEY, figs=figures(problems_found=-1))), "非负整数")
    _refused(cast, raw(package(COUNTY_A_KEY, figs=figures(secret_names=1))), "未知指标")
    _refused(cast, raw(package(COUNTY_A_KEY, figs=figures(money_recovered="很多"))), "不是数字")
    _refused(cast, raw(package(COUNTY_A_KEY, body={"figures": "x"})), "缺少统计数据")
    _refused(cast, b"{" + b" " * (packages.MAX_BYTES + 1) + b"}", "过大")


@pytest.mark.django_db
def test_exported_package_holds_aggregates_only_and_imports_elsewhere(linked):
    """The county's real export (same code a county installation runs) verifies at the city."""
    from tests.rectification.conftest import make_feedback_problem

    cast = linked
    inspection = cast.inspections["a"]
    problem = make_feedback_problem(cast, inspection, cast.units["bureau"], "001", "违规发放津补贴")
    _exported, data = packages.stats_export(
        office=cast.city, period="2026Q1", actor=cast.office_staff, signer=COUNTY_A_KEY
    )
    doc = json.loads(data)
    assert set(doc["body"]["figures"]) == set(packages.indicators.BASE_CODES)
    assert doc["body"]["figures"]["problems_found"] == 1
    text = data.decode()
    assert problem.title not in text and cast.units["bureau"].name not in text
    pkg = packages.package_import(owner=cast.city, data=data, actor=cast.office_staff)
    assert pkg.figures["problems_found"] == 1


@pytest.mark.django_db
def test_rules_package_recorded_as_proposal(cast):
    services.counterpart_register(
        owner=cast.county_a,
        direction="higher",
        name="江州市委巡察办",
        public_key=CITY_KEY.public,
        office=cast.city,
        actor=cast.office_admin,
    )
    content = packages.rules_content(cast.city)
    assert content["taxonomy"]["code"] and content["deadlines"]["plan_due_working_days"] == 20
    assert content["plans"][0]["year"] == 2026
    doc = packages.sign(
        {
            "format": packages.FORMAT,
            "type": "rules",
            "package_id": "r1",
            "origin": "city",
            "office": "江州市委巡察办",
            "period": "",
            "version": 1,
            "created_at": "2026-04-01T09:00:00+08:00",
            "body": content,
        },
        CITY_KEY,
    )
    rules = packages.package_import(owner=cast.county_a, data=raw(doc), actor=cast.county_staff)
    assert rules.content["taxonomy"]["code"] == content["taxonomy"]["code"]
    with pytest.raises(DomainError, match="重复导入"):
        packages.package_import(owner=cast.county_a, data=raw(doc), actor=cast.county_staff)
    # a statistics counterpart's key does not admit a rules package, nor the reverse
    with pytest.raises(DomainError, match="未登记"):
        packages.package_import(owner=cast.city, data=raw(doc), actor=cast.office_staff)
    page = client_for(cast.county_staff).get("/stats/rules/")
    assert "建议采用" in page.content.decode()


@pytest.mark.django_db
def test_registry_refuses_bad_keys(cast):
    for key, message in [
        ("abc", "公钥格式错误"),
        ("g" * 64, "公钥格式错误"),
        (packages.installation_key()["public_key"], "本系统自己的公钥"),
    ]:
        with pytest.raises(DomainError, match=message):
            services.counterpart_register(
                owner=cast.city,
                direction="lower",
                name="某县",
                public_key=key,
                actor=cast.office_admin,
            )
    with pytest.raises(DomainError, match="直接下级"):
        services.counterpart_register(
            owner=cast.county_a,
            direction="lower",
            name="某县",
            public_key=COUNTY_A_KEY.public,
            office=cast.county_b,
            actor=cast.office_admin,
        )


@pytest.mark.django_db
def test_command_export_and_import(linked, tmp_path, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    cast = linked
    out = tmp_path / "p.json"
    call_command(
        "stats", "export", "--office", str(cast.city.pk), "--period", "2026Q1", "--out", str(out)
    )
    assert json.loads(out.read_bytes())["version"] == 1
    # the city's own key is not a registered counterpart of the city: refused, in Chinese
    with pytest.raises(CommandError, match="公钥未登记"):
        call_command("stats", "import", str(out), "--user", "office_staff")
    good = tmp_path / "a.json"
    good.write_bytes(raw(package(COUNTY_A_KEY)))
    call_command("stats", "import", str(good), "--user", "office_staff")
    assert StatsPackage.objects.count() == 1
    with pytest.raises(CommandError, match="不是接收机构"):
        call_command("stats", "import", str(good), "--user", "unit_liaison")


@pytest.mark.django_db
def test_scheduled_export_writes_a_package_per_reporting_office(cast, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from xuncha.stats.tasks import stats_export_scheduled

    services.counterpart_register(
        owner=cast.county_a,
        direction="higher",
        name="江州市委巡察办",
        public_key=CITY_KEY.public,
        actor=cast.office_admin,
    )
    result = stats_export_scheduled.enqueue(period="2026Q1")
    files = result.return_value["files"]
    assert len(files) == 1 and f"stats-{cast.county_a.pk}-2026Q1-v1" in files[0]
    doc = json.loads(open(files[0], "rb").read())
    assert doc["office"] == cast.county_a.name and doc["version"] == 1
