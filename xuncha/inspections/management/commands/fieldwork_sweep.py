"""Run (or enqueue) the daily fieldwork sweep: overdue immediate-fix notices are escalated once.

Schedule once a day, e.g. cron `10 7 * * * xuncha fieldwork_sweep`.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "巡察实施每日巡检：立行立改逾期未回复的督办"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按指定日期运行（YYYY-MM-DD），默认今天")
        parser.add_argument("--enqueue", action="store_true", help="放入后台任务队列而不是立即运行")

    def handle(self, *args, **options):
        from xuncha.inspections import services, tasks

        try:
            day = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD。") from None
        if options["enqueue"]:
            tasks.fieldwork_sweep.enqueue(day.isoformat() if day else "")
            self.stdout.write("已加入后台任务队列。")
            return
        count = services.fix_notices_sweep(day)
        self.stdout.write(f"立行立改逾期督办 {count} 条。")
