"""Human labels for audit rows: 用户「张三」 instead of `org.user 6`, the actor's full name.

The log stores labels, not foreign keys; this reads each page's objects back by type (one
query per object type, one for the actors), from a plain name-like field, never `str()`
(which may walk relations row by row)."""

from collections import defaultdict

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError

NAME_FIELDS = ("full_name", "name", "title", "number", "code", "username")


def _name_field(model) -> str | None:
    for name in NAME_FIELDS:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        return name
    return None


def annotate(entries) -> list:
    """Set `object_label`, `actor_display` and `actor_login` on each entry."""
    entries = list(entries)
    ids_by_type: dict[str, set] = defaultdict(set)
    for e in entries:
        if e.object_type and e.object_id:
            ids_by_type[e.object_type].add(e.object_id)
    type_labels: dict[str, str] = {}
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in ids_by_type.items():
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        type_labels[object_type] = str(model._meta.verbose_name)
        field = _name_field(model)
        try:
            pks = [model._meta.pk.to_python(i) for i in ids]
        except ValidationError:
            continue
        rows = model._default_manager.filter(pk__in=pks)
        values = rows.values_list("pk", field) if field else rows.values_list("pk", "pk")
        for pk, name in values:
            names[(object_type, str(pk))] = str(name) if field and name else ""
    # Actors come with the page when the caller used select_related("actor").
    users = {e.actor_id: e.actor for e in entries if "actor" in e._state.fields_cache}
    missing = {e.actor_id for e in entries if e.actor_id and e.actor_id not in users}
    if missing:
        users.update(
            (u.pk, u)
            for u in get_user_model()
            .objects.filter(pk__in=missing)
            .only("pk", "username", "full_name")
        )
    for e in entries:
        kind = type_labels.get(e.object_type, e.object_type)
        key = (e.object_type, e.object_id)
        if not e.object_type:
            e.object_label = "—"
        elif key in names:
            e.object_label = f"{kind}「{names[key]}」" if names[key] else f"{kind} {e.object_id}"
        elif e.object_id:
            e.object_label = (
                f"{kind} {e.object_id}（已删除）"
                if kind != e.object_type
                else f"{kind} {e.object_id}"
            )
        else:
            e.object_label = kind
        user = users.get(e.actor_id) if e.actor_id else None
        e.actor_login = user.username if user else e.actor_name
        e.actor_display = (user.full_name or user.username) if user else e.actor_name
    return entries
