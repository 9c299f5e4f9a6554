"""Shared set-up of the training tests: the cast's first team, scores, appraisals."""

from datetime import date, timedelta

from xuncha.plans.models import TeamMember
from xuncha.training import services


def member_of(cast, username) -> TeamMember:
    return TeamMember.objects.select_related("team__inspection__office", "inspector").get(
        inspector__user=cast.users[username]
    )


def full_scores(cast, value=18) -> dict:
    return {i.pk: min(value, i.max_score) for i in services.indicators_for(cast.city)}


def score_form(cast, rating="excellent", value=18, **extra) -> dict:
    data = {f"score_{k}": v for k, v in full_scores(cast, value).items()}
    return {"rating": rating, "comments": "工作扎实", **data, **extra}


def office_final(cast, username="team_member", rating="competent"):
    row = services.appraisal_save(
        member=member_of(cast, username),
        source="office",
        rating=rating,
        scores=full_scores(cast),
        comments="完成任务",
        actor=cast.office_staff,
    )
    return services.appraisal_finalise(appraisal=row, actor=cast.office_staff)


def training(cast, username="team_member", hours=16, start=date(2026, 4, 1), **kw):
    return services.training_create(
        inspector=member_of(cast, username).inspector,
        course=kw.pop("course", "巡察业务培训班"),
        organiser=kw.pop("organiser", "市委巡察办"),
        start=start,
        end=kw.pop("end", start + timedelta(days=1)),
        hours=hours,
        actor=kw.pop("actor", cast.office_staff),
        **kw,
    )
