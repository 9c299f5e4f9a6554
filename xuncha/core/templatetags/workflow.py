"""`{% load workflow %}{{ event|state_label:"from_state" }}`: the Chinese label of a state code
in any workflow's history row, read from the subject model's own `state`/`stage` choices."""

from django import template
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist

register = template.Library()
_LABELS: dict[type, dict[str, str]] = {}


def labels_for(history_model) -> dict[str, str]:
    """{code: label} of the workflow a history model records (its first non-user foreign key)."""
    if history_model not in _LABELS:
        labels: dict[str, str] = {}
        user = get_user_model()
        for f in history_model._meta.fields:
            if not f.many_to_one or f.related_model is user:
                continue
            for name in ("state", "stage"):
                try:
                    choices = f.related_model._meta.get_field(name).choices
                except FieldDoesNotExist:
                    continue
                if choices:
                    labels = {str(k): str(v) for k, v in choices}
                    break
            if labels:
                break
        _LABELS[history_model] = labels
    return _LABELS[history_model]


@register.filter
def state_label(event, field="to_state"):
    value = getattr(event, field, "") or ""
    return labels_for(type(event)).get(value, value)
