"""The visual language's template helpers (a builtin library: no `{% load %}` needed).

{{ plan|status }}            the plan's state as a badge in its tone (xuncha/core/ui.py)
{{ inspection|status:"stage" }}
{% badge "逾期" "danger" %}   a badge for a computed condition
<button class="btn btn-sm {{ t.target|action_class }}">   a workflow button
"""

import functools

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html

from xuncha.core import ui

register = template.Library()


def _badge(label, tone, value=""):
    return format_html(
        '<span class="xc-status xc-status-{}" data-tone="{}" data-value="{}">{}</span>',
        tone,
        tone,
        value,
        label,
    )


@register.filter
def status(obj, field="state"):
    if obj is None:
        return ""
    value = getattr(obj, field, "")
    labels = _choice_labels(type(obj), field) if hasattr(obj, "_meta") else None
    if labels is None:
        label = getattr(obj, f"get_{field}_display", lambda: value)()
    else:  # what get_FOO_display answers, without rebuilding the choices on every call
        label = str(labels.get(value, value))
    return _badge(label, ui.tone_of(value), value)


@functools.cache
def _choice_labels(model, field: str) -> dict | None:
    """{value: lazy label} of a model field with choices; None for anything else."""
    try:
        f = model._meta.get_field(field)
    except FieldDoesNotExist:
        return None
    return dict(f.flatchoices) if getattr(f, "choices", None) else None


@register.simple_tag
def badge(label, tone=ui.NEUTRAL):
    return _badge(label, tone if tone in ui.TONE_LABELS else ui.NEUTRAL)


@register.filter
def action_class(target):
    return ui.action_class(target)
