"""Demo linkage: 临川县 and 清河县 run installations of their own.

The city office registered both counties' public keys (对口系统); 临川县 sent its signed
statistics package for the previous quarter (figures of its own work in this database,
signed with a key of "its" installation, derived from the seed), then a corrected second
version; 清河县 has not reported, so it shows on the roll-up's "not reported" list. The
office also recorded the rules made (建章立制) for some rectification plans."""

import hashlib

from xuncha.org.models import Office, User
from xuncha.rectification.models import RectificationPlan
from xuncha.stats import indicators, packages, services
from xuncha.stats.models import PlanFigure


def build(ctx):
    city = Office.objects.filter(level=Office.Level.CITY).first()
    admin = User.objects.filter(username="office_admin").first()
    staff = User.objects.filter(username="office_staff").first()
    if city is None or admin is None or staff is None:
        ctx.log("  跳过：没有市级巡察机构或演示账号")
        return
    plans = list(RectificationPlan.objects.order_by("pk").values_list("pk", flat=True))
    figures = [
        PlanFigure(plan_id=pk, rules_made=ctx.rng.randint(1, 6), recorded_by=staff)
        for pk in plans
        if ctx.rng.random() < 0.6
    ]
    PlanFigure.objects.bulk_create(figures)
    ctx.log(f"  建章立制登记：{len(figures)} 个整改方案")

    period = indicators.Period(ctx.today.year, (ctx.today.month - 1) // 3 + 1).previous()
    reporting, silent = None, None
    for county in Office.objects.filter(parent=city).order_by("pk"):
        if county.name.startswith("临川县"):
            reporting = county
        elif county.name.startswith("清河县"):
            silent = county
    for county in (reporting, silent):
        if county is None:
            continue
        key = packages.KeySigner(
            hashlib.sha256(f"xuncha-demo-county:{ctx.seed}:{county.name}".encode()).digest()
        )
        services.counterpart_register(
            owner=city,
            direction="lower",
            name=f"{county.name}（独立部署）",
            public_key=key.public,
            office=county,
            actor=admin,
        )
        if county is reporting:
            for _version in (1, 2):  # the second is a correction: the latest counts
                _exported, data = packages.stats_export(
                    office=county, period=str(period), actor=None, signer=key
                )
                packages.package_import(owner=city, data=data, actor=staff)
            ctx.log(f"  对口系统：{county.name}已报送{period.label}统计数据包（含一次更正）")
        else:
            ctx.log(f"  对口系统：{county.name}已登记公钥，{period.label}尚未报送")
    # 每周工作汇总: last week's summary is in every office's inbox (the weekly task's run).
    from xuncha.stats import weekly

    result = weekly.weekly_summary(weekly.Week.last(ctx.today))
    ctx.log(
        f"  每周工作汇总：{result['week']}，{result['offices']} 个机构，通知 {result['notified']} 人"
    )
