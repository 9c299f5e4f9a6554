"""`xuncha analytics evaluate`: generate the labelled set and print the figures;
`xuncha analytics recompute`: the full recomputation in the foreground."""

import json

from django.core.management.base import BaseCommand, CommandError

from xuncha.analytics import evaluate, intake, services
from xuncha.analytics.models import AnalyticsRun


class Command(BaseCommand):
    help = "群众反映分析：evaluate（生成标注数据并评估）、recompute（全量重算）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["evaluate", "recompute"])
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--no-store", action="store_true", help="不保存到分析页")

    def handle(self, *args, action, **options):
        if action == "recompute":
            figures = services.recompute()
            intake.reset()
        else:
            figures = evaluate.evaluate_all()
        if not options["no_store"]:
            AnalyticsRun.objects.create(
                kind=action, state=AnalyticsRun.State.DONE, figures=figures, total=1, done=1
            )
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
            return
        if action == "recompute":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        d, s, c = figures["duplicates"], figures["spam"], figures["categories"]
        self.stdout.write(
            f"重复件：精确率 {d['precision']:.3f}（目标 ≥0.95），召回率 {d['recall']:.3f}（目标 ≥0.90），"
            f"{d['texts']} 件，真实重复对 {d['true_pairs']}，建议 {d['proposed_pairs']} 对"
        )
        self.stdout.write(
            f"垃圾信息（逐段）：精确率 {s['precision']:.3f}（目标 ≥0.95），召回率 {s['recall']:.3f}"
        )
        self.stdout.write(
            f"分类（一级 A–D 宏平均 F1，{c['size']} 条）：零样本基线 {c['baseline']['macro_f1']:.3f}，"
            f"模型 {c['model']['macro_f1']:.3f}，学习一半已确认样本后 {c['learned']['macro_f1']:.3f}"
        )
        m = c["model"]
        self.stdout.write("类别  精确率  召回率  F1    样本")
        for label, v in m["per_class"].items():
            self.stdout.write(
                f"{label}     {v['precision']:.3f}   {v['recall']:.3f}   {v['f1']:.3f}  {v['support']}"
            )
        self.stdout.write("混淆矩阵（行=实际，列=预测）：  " + "  ".join([*m["labels"], "其他"]))
        for label, row in m["confusion"].items():
            self.stdout.write(f"  {label}  " + "  ".join(f"{n:>3}" for n in row.values()))
        if min(d["precision"], s["precision"]) < 0.95 or d["recall"] < 0.9:
            raise CommandError("未达到目标。")
