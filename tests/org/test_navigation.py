"""The menu shows an entry only to those its page admits: every link answers 200."""

import pytest

from tests.cast import make_user
from xuncha.org.models import Role
from xuncha.org.navigation import _entries_for, menu_for

pytestmark = pytest.mark.django_db

ROLES = [  # the ones whose menus differ most (every page is slow-ish; keep it to these)
    "office_admin",
    "county_admin",
    "county_staff",
    "unit_liaison",
    "team_member",
]


@pytest.fixture
def people(cast):
    county_admin = make_user(
        "county_admin", office=cast.county_a, roles=[Role.OFFICE_ADMIN], full_name="县管理员"
    )
    return {**cast.users, "county_admin": county_admin}


def test_taxonomy_entry_only_for_the_top_office_admin(people):
    def labels(user):
        return [e["label"] for e in _entries_for(user)]

    assert "监督内容分类" in labels(people["office_admin"])
    assert "监督内容分类" not in labels(people["county_admin"])
    assert "监督内容分类" not in labels(people["office_staff"])


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_link_opens(people, login, role):
    user = people[role]
    client = login(user)
    entries = [c for e in menu_for(user) for c in e.get("children", [e])]
    assert entries
    for entry in entries:
        status = client.get(entry["url"]).status_code
        assert status in (200, 302), (role, entry["label"], status)
