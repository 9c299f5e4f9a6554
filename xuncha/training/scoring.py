"""How experience, ratings, training and rotation weigh in team suggestions (pure: no Django).

Expertise fit (up to 10 points) stays the first reason to pick someone; these add at most
about 9 points and take away up to 6, so that a well-rated, trained inspector who has not
served for a while rises among those of similar fit.
"""

from dataclasses import dataclass
from datetime import date

RATING_POINTS = {"excellent": 3.0, "competent": 1.0, "basic": -2.0, "incompetent": -5.0}
RATING_LABELS = {
    "excellent": "优秀",
    "competent": "称职",
    "basic": "基本称职",
    "incompetent": "不称职",
}
EXPERIENCE_PER_ROUND = 0.4
EXPERIENCE_CAP = 5  # rounds: beyond five, experience no longer adds
HOURS_PER_POINT = 16.0
TRAINING_CAP = 2.0
ROTATION_REST_MONTHS = 12  # not served for a year: should be drawn again
ROTATION_RECENT_MONTHS = 6  # served within half a year: let others go first


@dataclass(frozen=True)
class Profile:
    rounds_served: int = 0
    last_served: date | None = None  # the end of the last inspection served on
    rating: str = ""  # the latest final rating by the office
    hours: float = 0.0  # training hours in the recent window


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def bonus(profile: Profile, today: date) -> tuple[float, list[str]]:
    """Points to add to an inspector's suggestion score, with the reasons in Chinese."""
    points = 0.0
    reasons = []
    served = profile.rounds_served
    points += min(served, EXPERIENCE_CAP) * EXPERIENCE_PER_ROUND
    reasons.append(f"巡察经历：已参加{served}轮" if served else "巡察经历：尚未参加过巡察")
    if profile.rating in RATING_POINTS:
        points += RATING_POINTS[profile.rating]
        reasons.append(f"最近一次考核：{RATING_LABELS[profile.rating]}")
    else:
        reasons.append("尚无考核结果")
    hours = float(profile.hours or 0)
    points += min(hours / HOURS_PER_POINT, TRAINING_CAP)
    reasons.append(f"近三年培训{hours:g}学时" if hours else "近三年无培训记录")
    if profile.last_served is None:
        points += 2.0
        reasons.append("轮换：从未参加巡察，可安排锻炼")
    else:
        months = months_between(profile.last_served, today)
        if months >= ROTATION_REST_MONTHS:
            points += 2.0
            reasons.append(f"轮换：已{months}个月未参加巡察")
        elif months < ROTATION_RECENT_MONTHS:
            points -= 1.0
            reasons.append(f"轮换：{max(months, 0)}个月前刚参加巡察")
        else:
            reasons.append(f"轮换：{months}个月前参加巡察")
    return round(points, 2), reasons
