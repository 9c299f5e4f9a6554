"""Assessment scoring (pure): indicator scores → total and grade."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_INDICATORS = [
    # (dimension, indicator, max score)
    ("责任落实", "主体责任落实、主要负责人履行第一责任人职责", 20),
    ("任务完成", "反馈问题整改完成率与整改质量", 30),
    ("组织推进", "整改方案制定、领导班子专题会、台账管理", 20),
    ("群众满意度", "群众和干部对整改成效的满意程度", 15),
    ("巡察组评价", "巡察组对整改情况的综合评价", 15),
]
DEFAULT_GRADES = [(90, "好"), (75, "较好"), (60, "一般"), (0, "差")]


@dataclass(frozen=True)
class IndicatorScore:
    max_score: Decimal
    score: Decimal


def total_and_grade(
    scores: list[IndicatorScore], grades=DEFAULT_GRADES
) -> tuple[Decimal, Decimal, str]:
    """(total, total normalised to 100, grade). Raises ValueError on a score out of range."""
    total = Decimal(0)
    maximum = Decimal(0)
    for item in scores:
        if item.score < 0 or item.score > item.max_score:
            raise ValueError(f"得分 {item.score} 超出范围 0–{item.max_score}")
        total += item.score
        maximum += item.max_score
    if maximum == 0:
        return Decimal(0), Decimal(0), grades[-1][1]
    percent = (total * 100 / maximum).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    grade = next(label for floor, label in grades if percent >= floor)
    return total, percent, grade
