"""The visual language's template helpers (a builtin library: no `{% load %}` needed).

{{ plan|status }}            the plan's state as a badge in its tone (xuncha/core/ui.py)
{{ inspection|status:"stage" }}
{% badge "逾期" "danger" %}   a badge for a computed condition
<button class="btn btn-sm {{ t.target|action_class }}">   a workflow button

{% page_header "整改任务" sub="本机构下发的整改任务" %}     the page header: h1, optional
  <a class="btn btn-sm btn-primary" href="…">下发整改任务</a>   description line, and the
{% endpage_header %}                                          actions slot (at most one
                                                             btn-primary: what the page is for)
{% fragment as state %}<span id="plan-state">{{ plan|status }}</span>{% endfragment %}
                             a rendered block in a variable (a composed title, sub or status)
"""

import functools

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

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


@register.simple_block_tag
def page_header(content, *title, sub="", status=""):
    """The page header (core/ui/page_header.html): every page's one <h1>.

    title: one or more parts, joined (each escaped unless already safe; None left out),
      e.g. {% page_header plan.unit.name " · 巡察整改方案" %};
    sub: the description line under the title; status: markup shown in the h1 after the
    title (a state badge: status=plan|status); the block's content: the actions, links or
    small forms of the page, wrapping on narrow screens."""
    return render_to_string(
        "core/ui/page_header.html",
        {
            "title": mark_safe("".join(conditional_escape(p) for p in title if p is not None)),
            "sub": sub,
            "status": status,
            "actions": mark_safe(content.strip()),
        },
    )


@register.simple_block_tag
def fragment(content):
    """{% fragment as name %}…{% endfragment %}: the block, rendered (and escaped as any
    template output), in a variable, for a title, sub or status composed of several parts."""
    return content
