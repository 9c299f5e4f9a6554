"""Fixtures of the rectification and clue tests: feedback problems and an opened plan.

Problems are built directly in the state the fieldwork leaves them after feedback
(approved, paper signed by the leader, on the feedback list), so these tests do not
depend on every step of the fieldwork workflow."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.feedback import deliver_feedback
from xuncha.inspections.models import Problem, TaxonomyCategory, WorkingPaper
from xuncha.plans.models import Inspection
from xuncha.rectification import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FEEDBACK = date(2026, 6, 1)  # a Monday


def pdf(name="佐证材料.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def make_feedback_problem(cast, inspection, unit, number, title, *, in_feedback=True):
    category = TaxonomyCategory.objects.filter(level=2).order_by("sort", "code").first()
    problem = Problem.objects.create(
        inspection=inspection,
        unit=unit,
        number=number,
        title=title,
        description=f"{title}的具体表现。",
        category=category,
        state=Problem.State.APPROVED,
        in_feedback=in_feedback,
        created_by=cast.team_member,
    )
    WorkingPaper.objects.create(
        problem=problem,
        inspection=inspection,
        number=number,
        title=title,
        facts="经查阅凭证核实。",
        state=WorkingPaper.State.SIGNED,
        drafter=cast.team_member,
        leader_signed_by=cast.team_leader,
    )
    return problem


@dataclass
class Rect:
    cast: object
    plan: object
    problems: list = field(default_factory=list)
    hidden: object = None  # a problem not on the feedback list
    other_plan: object = None  # inspection b's plan (another unit, another liaison)


def measure_values(**over):
    values = {
        "content": "全面清理违规发放的津补贴，追回违规资金并建立长效机制。",
        "responsible_leader": "张局长",
        "lead_department": "财务科",
        "responsible_person": "李科长",
        "deadline": date(2026, 8, 31),
        "expected_outcome": "违规资金全部追回。",
        "long_term": False,
    }
    values.update(over)
    return values


@pytest.fixture
def rect(cast):
    a, b = cast.inspections["a"], cast.inspections["b"]
    for inspection in (a, b):
        Inspection.objects.filter(pk=inspection.pk).update(
            stage=Inspection.Stage.RECTIFICATION, feedback_date=FEEDBACK
        )
        inspection.refresh_from_db()
    bureau, township = cast.units["bureau"], cast.units["township_a"]
    problems = [
        make_feedback_problem(cast, a, bureau, "A-001", "违规发放津补贴"),
        make_feedback_problem(cast, a, bureau, "A-002", "政府采购程序不规范"),
    ]
    hidden = make_feedback_problem(cast, a, bureau, "A-003", "尚未核实的问题", in_feedback=False)
    other = make_feedback_problem(cast, b, township, "B-001", "村级财务公开不及时")
    deliver_feedback(cast, a, bureau, FEEDBACK)
    deliver_feedback(cast, b, township, FEEDBACK)
    plan = services.plan_open(
        inspection=a, unit=bureau, actor=cast.office_staff, main_leader="张局长"
    )
    other_plan = services.plan_open(inspection=b, unit=township, actor=cast.office_staff)
    r = Rect(cast=cast, plan=plan, problems=problems, hidden=hidden, other_plan=other_plan)
    r.other_problem = other
    return r


def adopt(rect, measures_per_problem=1):
    """Build measures for every problem, submit and adopt the plan; return the measures."""
    cast, plan = rect.cast, rect.plan
    out = []
    for problem in rect.problems:
        for i in range(measures_per_problem):
            out.append(
                services.measure_create(
                    plan=plan,
                    problem=problem,
                    actor=cast.unit_liaison,
                    **measure_values(content=f"{problem.title}整改措施{i + 1}"),
                )
            )
    services.plan_transition(plan=plan, target="submitted", actor=cast.unit_liaison)
    services.plan_transition(plan=plan, target="adopted", actor=cast.office_staff)
    plan.refresh_from_db()
    return out


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The cast creates fifteen accounts per test; Argon2 makes that the slowest part.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_submission(cast, key="a", *, name="张三", text="反映某科长违规收受礼金问题，金额较大。"):
    """A staff-entered, real-name submission for inspection `key` (its reporter is `name`)."""
    from xuncha.petitions import services as petition_services

    return petition_services.submission_enter(
        office=cast.city,
        inspection=cast.inspections[key],
        channel="letter",
        data={"kind": "report", "category": "integrity", "people": "王某", "text": text},
        identity={"name": name, "contact": "13900001111"},
        files=[],
        actor=cast.office_staff,
    )
