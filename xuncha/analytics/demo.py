"""Demo analytics: run the batch pipeline over the demo submissions (flags, duplicate
groups, suggestions are found, not pre-labelled) and store one evaluation run."""

from xuncha.analytics import evaluate, intake, services
from xuncha.analytics.models import AnalyticsRun


def build(ctx):
    intake.reset()
    figures = services.recompute()
    AnalyticsRun.objects.create(
        kind=AnalyticsRun.Kind.RECOMPUTE,
        state=AnalyticsRun.State.DONE,
        total=figures["submissions"],
        done=figures["submissions"],
        figures=figures,
    )
    AnalyticsRun.objects.create(
        kind=AnalyticsRun.Kind.EVALUATE,
        state=AnalyticsRun.State.DONE,
        figures=evaluate.evaluate_all(),
    )
    intake.reset()
    ctx.log(
        f"  分析 {figures['submissions']} 件：疑似垃圾 {figures['flagged']} 件，"
        f"重复件组 {figures['groups']} 组（{figures['seconds']} 秒）"
    )
    # The blind search index and the topics, after duplicates were grouped (distinct reporters).
    from xuncha.analytics import demo_search

    demo_search.build(ctx)
