import hashlib
import uuid

import pytest
from django.utils import timezone

from xuncha.stats import indicators, packages, services

COUNTY_A_KEY = packages.KeySigner(hashlib.sha256(b"county-a").digest())
COUNTY_B_KEY = packages.KeySigner(hashlib.sha256(b"county-b").digest())
CITY_KEY = packages.KeySigner(hashlib.sha256(b"city").digest())
STRANGER_KEY = packages.KeySigner(hashlib.sha256(b"stranger").digest())


def figures(**over):
    base = {c: 0 for c in indicators.BASE_CODES}
    base[indicators.MONEY] = "0.00"
    base.update(over)
    return base


def package(signer, period="2026Q1", version=1, figs=None, office="临川县委巡察办", **over):
    doc = {
        "format": packages.FORMAT,
        "type": "statistics",
        "package_id": uuid.uuid4().hex,
        "origin": "county-a-installation",
        "office": office,
        "period": period,
        "version": version,
        "created_at": timezone.now().isoformat(),
        "body": {"figures": figs or figures(problems_found=7, units_covered=3)},
    }
    doc.update(over)
    return packages.sign(doc, signer)


def raw(doc) -> bytes:
    return packages.dumps(doc)


@pytest.fixture
def linked(cast):
    """The city registered both counties' installations (separate deployments)."""
    a = services.counterpart_register(
        owner=cast.city,
        direction="lower",
        name="临川县委巡察办（独立部署）",
        public_key=COUNTY_A_KEY.public,
        office=cast.county_a,
        actor=cast.office_admin,
    )
    b = services.counterpart_register(
        owner=cast.city,
        direction="lower",
        name="安平区委巡察办（独立部署）",
        public_key=f"ed25519:{COUNTY_B_KEY.public}",
        office=cast.county_b,
        actor=cast.office_admin,
    )
    cast.cp_a, cast.cp_b = a, b
    return cast
