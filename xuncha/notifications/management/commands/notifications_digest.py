"""Send the daily notification digest and retry queued e-mail.

Schedule once a day after the rectification sweep, e.g. cron
`30 7 * * * xuncha notifications_digest`; `--deliver` only retries the outbox (every few
minutes while SMTP has been down).
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "通知：发送每日汇总邮件并重试待发邮件"

    def add_arguments(self, parser):
        parser.add_argument("--deliver", action="store_true", help="只重试待发邮件")
        parser.add_argument("--enqueue", action="store_true", help="放入后台任务队列而不是立即运行")

    def handle(self, *args, **options):
        from xuncha.notifications import services, tasks

        if options["enqueue"]:
            (tasks.deliver if options["deliver"] else tasks.daily_digest).enqueue()
            self.stdout.write("已加入后台任务队列。")
            return
        digests = 0 if options["deliver"] else services.daily_digest()
        result = services.deliver_outbox()
        self.stdout.write(
            f"汇总邮件 {digests} 封；发送成功 {result['sent']} 封，失败待重试 {result['failed']} 封。"
        )
