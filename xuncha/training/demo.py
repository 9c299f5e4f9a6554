"""Demo training records and appraisals: courses over three years for the pool, and for
every round whose fieldwork ended more than two months ago the leader's and the office's
final appraisals (one corrected, with its reason). Recent rounds are left to appraise."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from xuncha.org.models import Office, Role, User
from xuncha.plans.models import Inspection, Inspector, TeamMember
from xuncha.training.models import (
    Appraisal,
    AppraisalScore,
    AppraisalSettings,
    TrainingRecord,
)
from xuncha.training.services import indicators_for

COURSES = [
    ("巡视巡察业务培训班", "省委巡视办"),
    ("市委巡察干部业务培训", "市委巡察办"),
    ("巡察谈话技巧专题培训", "市委巡察办"),
    ("财务审计基础知识培训", "市审计局"),
    ("纪检监察法规专题学习", "市纪委监委"),
    ("村(社区)巡察实务培训", "市委巡察办"),
    ("干部选拔任用监督检查培训", "市委组织部"),
    ("工程建设项目监督要点培训", "市住房和城乡建设局"),
]
RATINGS = [("excellent", 0.25), ("competent", 0.63), ("basic", 0.1), ("incompetent", 0.02)]
COMMENTS = {
    "excellent": [
        "政治站位高，发现问题精准，谈话工作扎实。",
        "主动担当，牵头梳理问题线索，成效明显。",
    ],
    "competent": ["能按要求完成各项工作任务。", "工作认真，遵守巡察纪律，完成分工任务。"],
    "basic": ["个别谈话记录不够规范，底稿整理不及时。"],
    "incompetent": ["多次未按期完成分工任务，工作作风不够扎实。"],
}


def _rating(rng):
    x, acc = rng.random(), 0.0
    for rating, share in RATINGS:
        acc += share
        if x < acc:
            return rating
    return "competent"


def _scores(rng, indicators, rating):
    base = {"excellent": 0.92, "competent": 0.8, "basic": 0.66, "incompetent": 0.5}[rating]
    return [
        (i, max(0, min(i.max_score, round(i.max_score * (base + rng.uniform(-0.06, 0.06))))))
        for i in indicators
    ]


def build(ctx):
    rng, today = ctx.rng, ctx.today
    offices = list(Office.objects.filter(inspectors__isnull=False).distinct().order_by("pk"))
    if not offices:
        ctx.log("  跳过：巡察干部库为空")
        return
    fallback = User.objects.filter(username="office_staff").first() or User.objects.first()
    staff = {}
    counties = [o for o in offices if o.level == Office.Level.COUNTY]
    for office in offices:
        indicators_for(office)
        # One county opens appraisals to the inspectors themselves; the others keep the default.
        AppraisalSettings.objects.get_or_create(
            office=office, defaults={"show_own": bool(counties) and office == counties[0]}
        )
        staff[office.pk] = (
            User.objects.filter(roles__office=office, roles__role=Role.OFFICE_STAFF).first()
            or fallback
        )
    trainings = []
    for inspector in Inspector.objects.filter(active=True).order_by("pk"):
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            course, organiser = rng.choice(COURSES)
            start = today - timedelta(days=rng.randint(20, 3 * 365))
            days = rng.choice([1, 2, 3, 5])
            trainings.append(
                TrainingRecord(
                    inspector=inspector,
                    course=course,
                    organiser=organiser,
                    start=start,
                    end=start + timedelta(days=days - 1),
                    hours=Decimal(min(days * 8, rng.choice([4, 8, 16, 24, 32, 40]))),
                    recorded_by=staff.get(inspector.office_id) or fallback,
                )
            )
    TrainingRecord.objects.bulk_create(trainings, batch_size=500)
    ctx.log(f"  培训记录：{len(trainings)} 条")

    done = today - timedelta(days=60)
    members = list(
        TeamMember.objects.filter(team__inspection__end__lt=done)
        .select_related("team__inspection", "inspector")
        .order_by("team__inspection__start", "pk")
    )
    leaders = {
        m.team_id: m.inspector.user_id
        for m in TeamMember.objects.filter(
            role=TeamMember.Role.LEADER, team__inspection__end__lt=done
        ).select_related("inspector")
    }
    indicators = {o.pk: indicators_for(o) for o in offices}
    now = timezone.now()
    rows, scores = [], []
    for m in members:
        inspection: Inspection = m.team.inspection
        office_id = inspection.office_id
        if office_id not in indicators:
            indicators[office_id] = indicators_for(inspection.office)
        author = staff.get(office_id) or fallback
        rating = _rating(rng)
        sources = [("office", rating, author)]
        if m.role != TeamMember.Role.LEADER:
            leader_user = leaders.get(m.team_id)
            lead_rating = rating if rng.random() < 0.8 else "competent"
            sources.append(("leader", lead_rating, User(pk=leader_user) if leader_user else author))
        for source, r, who in sources:
            a = Appraisal(
                member=m,
                source=source,
                state=Appraisal.State.FINAL,
                rating=r,
                comments=rng.choice(COMMENTS[r]),
                author=who,
                finalised_at=now,
            )
            picked = _scores(rng, indicators[office_id], r)
            a.total = sum(s for _, s in picked)
            rows.append((a, picked))
    Appraisal.objects.bulk_create([a for a, _ in rows], batch_size=500)
    for a, picked in rows:
        scores.extend(
            AppraisalScore(appraisal=a, indicator=i, name=i.name, max_score=i.max_score, score=s)
            for i, s in picked
        )
    AppraisalScore.objects.bulk_create(scores, batch_size=1000)
    corrected = next((a for a, _ in rows if a.source == "office" and a.rating == "competent"), None)
    if corrected is not None:
        fixed = Appraisal.objects.create(
            member=corrected.member,
            source="office",
            state=Appraisal.State.FINAL,
            rating="excellent",
            total=min(100, corrected.total + 10),
            comments="补充认定：牵头发现重要问题线索并移交。",
            corrects=corrected,
            correction_reason="原考核漏记该同志牵头发现并移交的重要问题线索，经办务会研究更正。",
            author=corrected.author,
            finalised_at=now,
        )
        AppraisalScore.objects.bulk_create(
            AppraisalScore(
                appraisal=fixed,
                indicator_id=s.indicator_id,
                name=s.name,
                max_score=s.max_score,
                score=min(s.max_score, s.score + 2),
            )
            for s in AppraisalScore.objects.filter(appraisal=corrected)
        )
        fixed.total = sum(fixed.scores.values_list("score", flat=True))
        fixed.save(update_fields=["total"])
    ctx.log(f"  巡察干部考核：{len(rows)} 条（{len(members)} 名组员）")
