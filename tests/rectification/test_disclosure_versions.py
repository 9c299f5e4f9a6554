"""整改公开按期: two versions with their own approvals, approved exemptions, the publication
guard, and the late-disclosure reminder on the right working day (across National Day)."""

from datetime import date, datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.rectification.conftest import adopt
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.plans.models import WorkdayOverride
from xuncha.rectification import disclosure as rules
from xuncha.rectification import services
from xuncha.rectification.models import Disclosure, Reminder, Report


def submitted(rect, exempt=True):
    cast = rect.cast
    items = {
        rect.problems[0].pk: ("单位违规发放津补贴问题", ""),
        rect.problems[1].pk: ("", "open_case" if exempt else ""),
    }
    if not exempt:
        items[rect.problems[1].pk] = ("政府采购问题", "")
    d = services.disclosure_draft(
        plan=rect.plan, intro="现予通报。", items=items, actor=cast.unit_liaison
    )
    return services.disclosure_transition(disclosure=d, target="submitted", actor=cast.unit_liaison)


def test_publication_refused_until_both_versions_and_exemptions_approved(rect):
    cast = rect.cast
    adopt(rect)
    d = submitted(rect)
    with pytest.raises(DomainError, match="党内通报尚未经巡察机构审批"):
        rules.publish(disclosure=d, actor=cast.office_staff)
    rules.approve_version(disclosure=d, kind="internal", actor=cast.office_staff)
    rules.approve_version(disclosure=d, kind="public", actor=cast.office_staff)
    with pytest.raises(DomainError, match="问题 A-002 不予公开尚未批准"):
        rules.publish(disclosure=d, actor=cast.office_staff)
    d.refresh_from_db()
    assert d.state == Disclosure.State.SUBMITTED and d.published_at is None
    with pytest.raises(DomainError, match="必须写明理由"):
        rules.approve_exemption(
            item=d.items.get(exemption="open_case"), reason=" ", actor=cast.office_staff
        )
    rules.approve_exemption(
        item=d.items.get(exemption="open_case"), reason="案件正在查办", actor=cast.office_staff
    )
    d = rules.publish(disclosure=d, actor=cast.office_staff)
    assert d.state == Disclosure.State.PUBLISHED and d.published_at
    assert all(v.published_at for v in d.versions.all())
    assert AuditEntry.objects.filter(object_type__icontains="disclosureitem").exists()
    body = Client().get(f"/public/disclosures/{d.pk}/").content.decode()
    assert f"发布日期：{timezone.localtime(d.published_at):%Y年%-m月%-d日}" in body


def test_leading_group_approves_when_the_office_says_so(rect):
    cast = rect.cast
    adopt(rect)
    config = services.config_for(rect.plan.office)
    config.public_approver = "leading_group"
    config.save()
    d = submitted(rect, exempt=False)
    with pytest.raises(DomainError, match="社会公开须由巡察工作领导小组审批"):
        rules.approve_version(disclosure=d, kind="public", actor=cast.office_staff)
    with pytest.raises(DomainError):
        rules.approve_version(disclosure=d, kind="internal", actor=cast.unit_liaison)
    rules.approve_version(disclosure=d, kind="public", actor=cast.leading_group)
    rules.approve_version(disclosure=d, kind="internal", actor=cast.office_staff)
    with pytest.raises(DomainError, match="已批准"):
        rules.approve_version(disclosure=d, kind="internal", actor=cast.office_staff)
    assert rules.publish(disclosure=d, actor=cast.office_staff).state == "published"


def test_return_clears_approvals(rect):
    cast = rect.cast
    adopt(rect)
    d = submitted(rect)
    rules.approve_version(disclosure=d, kind="internal", actor=cast.office_staff)
    services.disclosure_transition(
        disclosure=d, target="returned", actor=cast.office_staff, comment="改"
    )
    assert rules.missing_approvals(d)[0].startswith("党内通报")


def _report(rect, day):
    at = timezone.make_aware(datetime(day.year, day.month, day.day, 10))
    Report.objects.create(
        plan=rect.plan,
        kind=Report.Kind.CONCENTRATED,
        text="集中整改报告",
        author=rect.cast.unit_liaison,
        submitted_at=at,
    )


def _alerts(rect):
    return sorted(
        Reminder.objects.filter(kind="disclosure", key__startswith=f"p{rect.plan.pk}-").values_list(
            "key", flat=True
        )
    )


def test_late_disclosure_reminder_fires_on_the_right_working_day(rect):
    adopt(rect)
    config = services.config_for(rect.plan.office)
    config.disclosure_due_working_days, config.yellow_days, config.red_days = 3, 0, 2
    config.save()
    _report(rect, date(2026, 9, 29))  # Tue; then 9/30, 10/8, 10/9 (National Day 10/1–10/7)
    assert rules.due_date(rect.plan) == date(2026, 10, 9)
    for day in [date(2026, 10, d) for d in range(1, 9)]:
        rules.disclosure_sweep(day)
    assert _alerts(rect) == []
    rules.disclosure_sweep(date(2026, 10, 9))
    assert _alerts(rect) == [f"p{rect.plan.pk}-disc-remind-20261009"]
    # 10/10 is a Saturday made a working day (调休): late on that day, not on Monday.
    services.sweep(date(2026, 10, 10))
    assert f"p{rect.plan.pk}-disc-late-20261009-o" in _alerts(rect)
    assert not any("serious" in k for k in _alerts(rect))
    rules.disclosure_sweep(date(2026, 10, 11))  # Sunday: nothing new
    rules.disclosure_sweep(date(2026, 10, 12))
    assert f"p{rect.plan.pk}-disc-serious-20261009-o" in _alerts(rect)
    assert any(k.endswith(f"-l{rect.cast.leading_group.pk}") for k in _alerts(rect))


def test_office_calendar_override_moves_the_escalation(rect):
    adopt(rect)
    config = services.config_for(rect.plan.office)
    config.disclosure_due_working_days, config.yellow_days = 3, 0
    config.save()
    WorkdayOverride.objects.create(
        office=rect.plan.office, day=date(2026, 10, 10), is_working=False
    )
    _report(rect, date(2026, 9, 29))
    rules.disclosure_sweep(date(2026, 10, 10))
    assert not any("late" in k for k in _alerts(rect))
    rules.disclosure_sweep(date(2026, 10, 12))
    assert f"p{rect.plan.pk}-disc-late-20261009-o" in _alerts(rect)


def test_publication_records_the_disclosure_deadline_it_is_measured_against(rect):
    """按期公开 in the statistics compares the publication with this deadline (working days
    after the concentrated report), not with the report's own due date."""
    cast = rect.cast
    adopt(rect)
    _report(rect, date(2026, 9, 29))
    d = submitted(rect, exempt=False)
    rules.approve_version(disclosure=d, kind="internal", actor=cast.office_staff)
    rules.approve_version(disclosure=d, kind="public", actor=cast.office_staff)
    d = rules.publish(disclosure=d, actor=cast.office_staff)
    d.refresh_from_db()
    assert d.due_date == rules.due_date(rect.plan) is not None
