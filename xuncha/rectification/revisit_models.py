"""巡察“回头看”: a revisit of an earlier inspection checks what was promised.

A revisit belongs to a 回头看 inspection (`Inspection.kind == revisit`) and starts from
its original inspection (`Inspection.revisits`): the checklist has one item per original
feedback problem, with a snapshot of its measures, closure status and evidence. Each item
gets a finding; items not done become new problems linked to the originals, and a problem
closed as rectified but found 未到位 is reopened (`MeasureReopen`, `PlanHistory`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Role

REVISIT_OFFICE = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


def _revisit_q(user, prefix="") -> Q:
    """Revisits the user works on: office admin/staff of its office, or the revisit's team."""
    from xuncha.org import access

    p = prefix
    return access.office_q(user, REVISIT_OFFICE, field=f"{p}office") | Q(
        **{f"{p}inspection__team__members__inspector__user": user}
    )


class RevisitQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(pk__in=self.model.objects.filter(_revisit_q(user)).values("pk"))


class Revisit(models.Model):
    """巡察“回头看”: the checklist and findings of one revisit inspection."""

    class State(models.TextChoices):
        OPEN = "open", _("核查中")
        REPORTED = "reported", _("已形成报告")

    office = models.ForeignKey(
        "org.Office", verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.OneToOneField(
        "plans.Inspection",
        verbose_name=_("回头看巡察"),
        on_delete=models.PROTECT,
        related_name="revisit_record",
    )
    original = models.ForeignKey(
        "plans.Inspection",
        verbose_name=_("原巡察"),
        on_delete=models.PROTECT,
        related_name="revisit_records",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)

    objects = RevisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察“回头看”")
        verbose_name_plural = _("巡察“回头看”")
        ordering = ["-started_at", "pk"]

    def __str__(self):
        return f"回头看 · {self.original}"


class RevisitItemQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """Team and office; the unit liaison reads its own unit's items once reported."""
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        q = _revisit_q(user, "revisit__")
        if action == "view":
            q |= access.unit_q(user, {Role.UNIT_LIAISON}) & Q(revisit__state=Revisit.State.REPORTED)
        return self.filter(pk__in=self.model.objects.filter(q).values("pk"))


class RevisitItem(models.Model):
    """One checklist item: an original problem, its measures then, and the finding now."""

    class Finding(models.TextChoices):
        DONE = "done", _("整改到位")
        MOSTLY = "mostly", _("基本到位")
        NOT_DONE = "not_done", _("未到位")
        FALSE = "false", _("虚假整改")
        PERFUNCTORY = "perfunctory", _("敷衍整改")

    NOT_DONE_FINDINGS = {Finding.NOT_DONE, Finding.FALSE, Finding.PERFUNCTORY}

    revisit = models.ForeignKey(Revisit, on_delete=models.CASCADE, related_name="items")
    problem = models.ForeignKey(
        "inspections.Problem",
        verbose_name=_("原问题"),
        on_delete=models.PROTECT,
        related_name="revisit_items",
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    measures = models.JSONField(
        _("整改措施(开始时)"),
        default=list,
        help_text=_("[{content, state, evidence_count, closed_at}]：回头看开始时的快照"),
    )
    was_closed = models.BooleanField(_("开始时已销号"), default=False)
    finding = models.CharField(_("核查结论"), max_length=12, choices=Finding.choices, blank=True)
    evidence_text = models.TextField(_("核查情况及佐证"), blank=True)
    attachment = models.ForeignKey(
        "inspections.Attachment",
        verbose_name=_("佐证附件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    new_problem = models.OneToOneField(
        "inspections.Problem",
        verbose_name=_("新发现问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisit_origin",
    )
    reopened = models.BooleanField(_("已重新打开整改"), default=False)

    objects = RevisitItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("回头看核查事项")
        verbose_name_plural = _("回头看核查事项")
        ordering = ["revisit", "problem__number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["revisit", "problem"], name="one_revisit_item_per_problem"
            )
        ]

    def __str__(self):
        return f"{self.problem} · {self.get_finding_display() or '待核查'}"

    @property
    def still_open(self) -> bool:
        """Still open: not found done (到位/基本到位) at the revisit."""
        return self.finding not in (self.Finding.DONE, self.Finding.MOSTLY)


class MeasureReopen(models.Model):
    """A closed measure reopened because the revisit found the problem not rectified."""

    measure = models.ForeignKey(
        "rectification.Measure", on_delete=models.CASCADE, related_name="reopens"
    )
    item = models.ForeignKey(RevisitItem, on_delete=models.CASCADE, related_name="reopens")
    from_state = models.CharField(max_length=16)
    closed_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("理由"))

    class Meta:
        verbose_name = _("回头看重新整改记录")
        verbose_name_plural = _("回头看重新整改记录")
        ordering = ["measure", "at", "pk"]

    def __str__(self):
        return f"{self.measure} 重新整改"
