"""The library's demo: rules in each layout, two versions, a superseded rule that is cited."""

import pytest

from xuncha.core.demo import DemoContext, build_all
from xuncha.library.models import Citation, Rule, TypicalCase

pytestmark = pytest.mark.django_db


def test_demo_library():
    build_all(
        DemoContext(seed=3, log=lambda *a: None),
        apps=["org", "plans", "inspections", "library"],
    )
    layouts = set(Rule.objects.values_list("current__layout", flat=True))
    assert layouts == {"articles", "notice"}
    assert Rule.objects.filter(current__number=2).count() == 1
    old = Rule.objects.get(status=Rule.Status.SUPERSEDED)
    assert old.superseded_by.status == Rule.Status.IN_FORCE
    assert Citation.objects.filter(provision__version__rule=old).exists()
    assert Citation.objects.exclude(provision__version__rule=old).exists()
    assert TypicalCase.objects.filter(provisions__isnull=False).distinct().count() == 3
    assert Rule.objects.filter(office__level="county").exists()
