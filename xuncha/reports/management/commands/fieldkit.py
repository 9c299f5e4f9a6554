"""xuncha fieldkit export <inspection_id> <file> | import <file> [--into ID] | pubkey."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError


class Command(BaseCommand):
    help = "离线工作包：导出巡察工作数据为加密签名数据包，或导入离线机导出的数据包"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="导出")
        exp.add_argument("inspection_id", type=int)
        exp.add_argument("file")
        exp.add_argument("--user", default="", help="记入审计日志的操作账号")
        imp = sub.add_parser("import", help="导入")
        imp.add_argument("file")
        imp.add_argument("--into", type=int, default=None, help="导入到本系统的巡察编号")
        imp.add_argument(
            "--user", required=True, help="导入操作账号（须为该巡察的办公室人员或组长）"
        )
        sub.add_parser("pubkey", help="显示本系统签名公钥，供对方加入信任列表")

    def handle(self, *args, action, **opts):
        from xuncha.inspections import fieldkit
        from xuncha.plans.models import Inspection

        if action == "pubkey":
            self.stdout.write(fieldkit.public_key_line())
            return
        user = None
        if opts.get("user"):
            user = get_user_model().objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"账号 {opts['user']} 不存在。")
        try:
            if action == "export":
                inspection = Inspection.objects.filter(pk=opts["inspection_id"]).first()
                if inspection is None:
                    raise CommandError(f"巡察 {opts['inspection_id']} 不存在。")
                with open(opts["file"], "wb") as out:
                    info = fieldkit.export_package(inspection, out, actor=user)
                record(
                    actor=user or "命令行",
                    action=Action.EXPORT,
                    obj=inspection,
                    summary=f"导出离线数据包 {info.package_id[:12]}",
                    changes={"package_id": info.package_id, "counts": info.counts},
                )
                self.stdout.write(
                    f"已导出数据包 {info.package_id}：记录 {sum(info.counts.values())} 条，"
                    f"附件 {info.files} 个（{info.bytes} 字节）。"
                )
            else:
                into = None
                if opts.get("into"):
                    into = Inspection.objects.filter(pk=opts["into"]).first()
                    if into is None:
                        raise CommandError(f"巡察 {opts['into']} 不存在。")

                def authorize(inspection):
                    from xuncha.reports.views import can_use_fieldkit

                    if not can_use_fieldkit(user, inspection):
                        raise DomainError("该账号无权向此巡察导入离线数据包。")

                result = fieldkit.import_package(
                    opts["file"], actor=user, into=into, authorize=authorize
                )
                self.stdout.write(
                    f"导入完成：新增 {sum(result.created.values())} 条，"
                    f"已存在 {sum(result.existing.values())} 条，附件 {result.files} 个。"
                )
        except DomainError as e:
            raise CommandError(e.message) from None
