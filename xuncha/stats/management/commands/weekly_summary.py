"""Send (or enqueue) each office's weekly summary to its inbox; idempotent per office and week.

Schedule once a week, the morning after the week ends, like the daily digest, e.g. cron
`0 8 * * 1 xuncha weekly_summary --enqueue` (the worker runs it); by hand:
`xuncha weekly_summary --week 2026-W48` (or any day of that week, `--week 2026-11-23`).
"""

from django.core.management.base import BaseCommand, CommandError

from xuncha.core.errors import DomainError


class Command(BaseCommand):
    help = "每周工作汇总：向各巡察机构的管理员和工作人员发送上周汇总（通知中心与邮件）"

    def add_arguments(self, parser):
        parser.add_argument("--week", default="", help="周次，如 2026-W48 或该周任一天；默认上一周")
        parser.add_argument("--enqueue", action="store_true", help="放入后台任务队列而不是立即运行")

    def handle(self, *args, **options):
        from xuncha.notifications.services import deliver_outbox
        from xuncha.stats import tasks, weekly

        try:
            week = weekly.Week.parse(options["week"]) if options["week"] else weekly.Week.last()
        except DomainError as e:
            raise CommandError(e.message) from None
        if options["enqueue"]:
            tasks.weekly_summary.enqueue(week.iso)
            self.stdout.write(f"已加入后台任务队列（{week.label}）。")
            return
        result = weekly.weekly_summary(week)
        sent = deliver_outbox()
        self.stdout.write(
            f"{week.label}：生成汇总 {result['offices']} 个机构，已发送过而跳过 {result['skipped']} 个，"
            f"通知 {result['notified']} 人；邮件发送成功 {sent['sent']} 封，失败待重试 {sent['failed']} 封。"
        )
