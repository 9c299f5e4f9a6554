"""Run (or enqueue) the daily rectification sweep: reminders, escalations, overdue handovers.

Schedule once a day, e.g. cron `5 7 * * * xuncha rectification_sweep`.
"""

from datetime import date

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "整改与移交期限的每日巡检：临期提醒、逾期督办、移交逾期"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期运行（YYYY-MM-DD），默认今天")
        parser.add_argument("--enqueue", action="store_true", help="放入后台任务队列而不是立即运行")

    def handle(self, *args, **options):
        from xuncha.rectification import services, tasks

        if options["enqueue"]:
            tasks.daily_sweep.enqueue(options["date"] or "")
            self.stdout.write("已加入后台任务队列。")
            return
        day = date.fromisoformat(options["date"]) if options["date"] else None
        counts = services.sweep(day)
        self.stdout.write(
            "临期提醒 {remind} 条，逾期督办 {escalate} 条，严重逾期督办 {escalate_serious} 条，"
            "报告提醒 {reports} 条，移交逾期 {handovers} 件，成果运用提醒督办 {results} 条。".format(
                **counts
            )
        )
