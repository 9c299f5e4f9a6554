"""Empty submits of the progress and verification forms say what is missing, inline, and keep
what was typed."""

import pytest

from tests.cast import client_for
from tests.rectification.conftest import adopt, pdf
from xuncha.rectification import services
from xuncha.rectification.models import Measure, Progress, Verification

pytestmark = pytest.mark.django_db


def test_empty_progress_shows_an_inline_error_and_keeps_the_tick(rect):
    measure = adopt(rect)[0]
    liaison = client_for(rect.cast.unit_liaison)
    url = f"/rectification/measures/{measure.pk}/"
    r = liaison.post(f"{url}progress/", {"text": "   ", "request_verification": "on"})
    page = r.content.decode()
    assert r.status_code == 400
    assert "请填写整改进展" in page and 'role="alert"' in page
    form = page.split('id="progress-form"', 1)[1].split("</form>", 1)[0]
    assert "checked" in form  # the tick typed before the error is still there
    assert not Progress.objects.filter(measure=measure).exists()


def test_empty_verification_shows_inline_errors_and_keeps_the_choice(rect):
    cast = rect.cast
    measure = adopt(rect)[0]
    services.progress_add(
        measure=measure,
        text="已完成",
        files=[pdf()],
        request_verification=True,
        actor=cast.unit_liaison,
    )
    office = client_for(cast.office_staff)
    url = f"/rectification/measures/{measure.pk}/verify/"
    r = office.post(url, {"decision": "", "reason": ""})
    page = r.content.decode()
    assert r.status_code == 400 and "请选择核验结论。" in page and "请填写核验意见。" in page
    r = office.post(url, {"decision": "approve", "reason": ""})
    form = r.content.decode().split('id="verify-form"', 1)[1].split("</form>", 1)[0]
    assert '<option value="approve" selected>' in form and "请填写核验意见。" in form
    assert not Verification.objects.filter(measure=measure).exists()
    measure.refresh_from_db()
    assert measure.state == Measure.State.PENDING
