"""xuncha stats export [--office ID] [--period P] [--out FILE] [--enqueue] | import FILE --user U
| rules-export --office ID --out FILE --user U | pubkey."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from xuncha.core.errors import DomainError


class Command(BaseCommand):
    help = "统计与上下联动：生成签名统计数据包（定时或手动），导入下级数据包或上级规则包"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="生成统计数据包")
        exp.add_argument(
            "--office", type=int, default=None, help="报送机构编号（省略：所有已登记上级的机构）"
        )
        exp.add_argument("--period", default="", help="如 2026Q1 或 2026（省略：上一季度）")
        exp.add_argument("--out", default="", help="输出文件（省略：数据目录 stats-outbox/）")
        exp.add_argument("--user", default="", help="记入审计日志的操作账号")
        exp.add_argument("--enqueue", action="store_true", help="交给任务进程执行")
        imp = sub.add_parser("import", help="导入统计数据包或规则包")
        imp.add_argument("file")
        imp.add_argument("--user", required=True, help="导入操作账号（本机构工作人员或管理员）")
        imp.add_argument("--office", type=int, default=None, help="接收机构编号")
        rules = sub.add_parser("rules-export", help="生成规则包")
        rules.add_argument("--office", type=int, required=True)
        rules.add_argument("--out", required=True)
        rules.add_argument("--user", required=True)
        sub.add_parser("pubkey", help="显示本系统签名公钥，供对方登记")

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用。")
        return user

    def handle(self, *args, action, **opts):
        from xuncha.org.models import Office
        from xuncha.stats import packages, services
        from xuncha.stats.models import WORK_ROLES

        if action == "pubkey":
            key = packages.installation_key()
            self.stdout.write(f"{key['algorithm']}:{key['public_key']}")
            return
        try:
            if action == "export":
                if opts["enqueue"]:
                    from xuncha.stats.tasks import stats_export_scheduled

                    result = stats_export_scheduled.enqueue(period=opts["period"])
                    self.stdout.write(f"已交给任务进程：{result.id}")
                    return
                if opts["office"] is None:
                    result = services.export_scheduled(period=opts["period"])
                    for path in result["files"]:
                        self.stdout.write(path)
                    if not result["files"]:
                        self.stdout.write("没有登记了上级对口系统的机构，未生成数据包。")
                    return
                office = Office.objects.filter(pk=opts["office"]).first()
                if office is None:
                    raise CommandError(f"巡察机构 {opts['office']} 不存在。")
                period = opts["period"] or services.previous_quarter()
                exported, data = packages.stats_export(
                    office=office, period=period, actor=self._user(opts["user"])
                )
                out = (
                    Path(opts["out"])
                    if opts["out"]
                    else (
                        services.outbox_dir()
                        / f"stats-{office.pk}-{exported.period}-v{exported.version}.json"
                    )
                )
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                self.stdout.write(f"{out}（{exported.period} 第{exported.version}版）")
            elif action == "import":
                from xuncha.org import access

                user = self._user(opts["user"])
                offices = access.user_offices(user, WORK_ROLES)
                if opts["office"]:
                    offices = [o for o in offices if o.pk == opts["office"]]
                if not offices:
                    raise CommandError("该账号不是接收机构的工作人员或管理员，不能导入。")
                path = Path(opts["file"])
                if not path.is_file():
                    raise CommandError(f"文件不存在：{path}")
                pkg = packages.package_import(owner=offices[0], data=path.read_bytes(), actor=user)
                self.stdout.write(f"已导入：{pkg}")
            elif action == "rules-export":
                from xuncha.org import access

                user = self._user(opts["user"])
                office = next(
                    (o for o in access.user_offices(user, WORK_ROLES) if o.pk == opts["office"]),
                    None,
                )
                if office is None:
                    raise CommandError("该账号不是该机构的工作人员或管理员。")
                exported, data = packages.rules_export(office=office, actor=user)
                Path(opts["out"]).write_bytes(data)
                self.stdout.write(f"{opts['out']}（规则包第{exported.version}版）")
        except DomainError as e:
            raise CommandError(e.message) from None
