import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages_render(cast, login):
    c = login(cast.office_admin)
    insp = cast.inspections["a"]
    for url in [
        reverse("plans:plan_list"),
        reverse("plans:plan_detail", args=[cast.plan.pk]),
        reverse("plans:assign", args=[cast.round.pk]),
        reverse("plans:team_compose", args=[insp.pk]),
        reverse("plans:inspector_list"),
        reverse("plans:coverage"),
        reverse("plans:calendar"),
        reverse("org:home"),
    ]:
        r = c.get(url)
        assert r.status_code == 200, url
