import pytest

from xuncha.analytics import intake
from xuncha.petitions import services as petitions

COMPLAINT = (
    "江州市交通运输局局长张某某在公路养护工程招标中收受承包商红包两万元。"
    "他还长期公车私用，周末开公车接送孩子。"
)
# Reordered, traditional characters, a word changed: true shingle Jaccard ≈ 0.9, far
# enough above the 0.6 threshold that the per-test key's estimate never falls below it.
REWORDED = (
    "他还长期公車私用，周末开公车接送孩子。"
    "江州市交通运输局局长张某某在公路养护工程招標中收受了承包商红包两万元。"
)
ADVERT = "加微信abc12345，低息贷款当天放款，电话13912345678"


@pytest.fixture(autouse=True)
def _fresh_index():
    intake.reset()
    yield
    intake.reset()


def enter(cast, text, *, key="a", channel="letter", identity=None, actor=None, unit=""):
    return petitions.submission_enter(
        office=cast.city,
        inspection=cast.inspections[key],
        channel=channel,
        data={"kind": "report", "category": "integrity", "text": text, "unit": unit},
        identity=identity,
        files=[],
        actor=actor or cast.office_staff,
    )
