"""`xuncha unlock <username>`: lift a login lockout before its cool-off ends."""

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xuncha.audit.models import Action
from xuncha.audit.services import record


class Command(BaseCommand):
    help = "解除账号的登录锁定 / unlock an account locked after repeated login failures"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        from xuncha.org.models import User

        if not User.objects.filter(username=username).exists():
            raise CommandError(f"用户不存在 / no such user: {username}")
        with transaction.atomic():
            count = reset(username=username)
            record(
                actor="命令行",
                action=Action.UPDATE,
                object_type="org.user",
                object_id=username[:64],
                summary=f"管理员解除登录锁定：{username}",
                changes={"cleared_attempts": count},
                ip="",
            )
        self.stdout.write(
            f"已解除 {username} 的登录锁定（清除 {count} 条失败记录）/ "
            f"unlocked {username} ({count} failure records cleared)"
        )
