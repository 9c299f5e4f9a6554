from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from xuncha.audit.models import Action


class EntryFilterForm(forms.Form):
    """The auditor's filters; every field optional, all combined with AND."""

    actor = forms.CharField(label="操作人", max_length=150, required=False)
    action = forms.ChoiceField(
        label="操作", choices=[("", "全部操作"), *Action.choices], required=False
    )
    object_type = forms.CharField(label="对象类型", max_length=60, required=False)
    object_id = forms.CharField(label="对象编号", max_length=64, required=False)
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data

    def filter(self, queryset):
        """The queryset narrowed by the valid filters (an invalid field is left out)."""
        data = self.cleaned_data if self.is_bound and (self.is_valid() or True) else {}
        if data.get("actor"):
            queryset = queryset.filter(actor_name__icontains=data["actor"])
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("object_type"):
            queryset = queryset.filter(object_type=data["object_type"].strip().lower())
        if data.get("object_id"):
            queryset = queryset.filter(object_id=data["object_id"].strip())
        # Whole days in the server's time zone, as bounds on the indexed column.
        if data.get("date_from"):
            start = timezone.make_aware(datetime.combine(data["date_from"], time.min))
            queryset = queryset.filter(at__gte=start)
        if data.get("date_to"):
            end = timezone.make_aware(
                datetime.combine(data["date_to"] + timedelta(days=1), time.min)
            )
            queryset = queryset.filter(at__lt=end)
        return queryset

    def as_filters(self) -> dict:
        """The applied filters, JSON-ready, for the export's own audit entry."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}
