"""A 回头看 inspection of inspection a (the transport bureau), with its own team.

The revisit team is other_member (who is not on a's team); a's team is not the revisit's."""

from dataclasses import dataclass

from tests.rectification.conftest import adopt, pdf
from xuncha.plans.models import Inspection, Inspector, Team, TeamMember
from xuncha.rectification import services


@dataclass
class RevisitWorld:
    rect: object
    inspection: object
    measures: list


def close_measure(cast, measure):
    services.progress_add(
        measure=measure,
        text="完成",
        files=[pdf()],
        request_verification=True,
        actor=cast.unit_liaison,
    )
    services.measure_verify(
        measure=measure, decision="approve", reason="佐证充分", actor=cast.office_staff
    )
    measure.refresh_from_db()


def revisit_inspection(cast, original, *, member="other_member"):
    inspection = Inspection.objects.create(
        office=cast.city,
        round=cast.round,
        kind=Inspection.Kind.REVISIT,
        revisits=original,
        start=cast.round.start,
        end=cast.round.end,
        stage=Inspection.Stage.INVESTIGATION,
    )
    inspection.units.add(*original.units.all())
    team = Team.objects.create(inspection=inspection, name="第三巡察组")
    user = cast.users[member]
    inspector = Inspector.objects.filter(user=user).first() or Inspector.objects.create(
        office=cast.city, user=user, name=user.full_name
    )
    TeamMember.objects.create(team=team, inspector=inspector, role="leader")
    return inspection


def build_revisit_world(rect) -> RevisitWorld:
    cast = rect.cast
    measures = adopt(rect)
    close_measure(cast, measures[0])  # A-001 closed as rectified
    inspection = revisit_inspection(cast, cast.inspections["a"])
    return RevisitWorld(rect=rect, inspection=inspection, measures=measures)
