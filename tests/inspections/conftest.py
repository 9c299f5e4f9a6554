"""Fixtures of the fieldwork tests: a deputy on team a, helpers to build problems and papers."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cast import make_user
from xuncha.inspections import services
from xuncha.plans.models import Inspection, Inspector, TeamMember

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="证据.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def field(cast):
    """The shared cast plus a deputy leader on team a (inspection a, stage 了解)."""
    deputy = make_user("team_deputy", office=cast.city, full_name="许副组长")
    inspector = Inspector.objects.create(office=cast.city, user=deputy, name=deputy.full_name)
    TeamMember.objects.create(
        team=cast.inspections["a"].team, inspector=inspector, role=TeamMember.Role.DEPUTY
    )
    cast.users["team_deputy"] = deputy
    return cast


def inspector_of(user):
    return Inspector.objects.get(user=user)


def make_problem(cast, *, actor=None, code="B4", title="违规发放津补贴", inspection=None):
    inspection = inspection or cast.inspections["a"]
    return services.problem_create(
        inspection=inspection,
        actor=actor or cast.team_member,
        title=title,
        category_code=code,
        description="2025年以加班费名义发放补贴共计12.6万元。",
        facts="经查阅2025年财务凭证，发现以加班费名义违规发放补贴。",
        severity="serious",
        discipline="integrity",
        nature="corruption",
    )


def sign_off(cast, problem):
    paper = problem.paper
    services.paper_submit(paper=paper, actor=cast.team_member)
    if TeamMember.objects.filter(team__inspection=problem.inspection, role="deputy").exists():
        services.paper_sign(paper=paper, actor=cast.team_deputy)
    services.paper_sign(paper=paper, actor=cast.team_leader)
    paper.refresh_from_db()
    return paper


def set_stage(inspection, stage):
    Inspection.objects.filter(pk=inspection.pk).update(stage=stage)
    inspection.refresh_from_db()


__all__ = ["date", "io"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The cast creates fourteen accounts per test; Argon2 makes that the slowest part.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
