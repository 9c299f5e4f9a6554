"""`xuncha archive verify <file>`: check a downloaded archive package; refuse a tampered one.

`xuncha archive retention`: list closed submissions past their office's retention period;
`--dispose XF2019-000002 … --user U --reason R`: record that office admin's decision and
crypto-shred them (the same service as the page, the same refusals)."""

from django.core.management.base import BaseCommand, CommandError

from xuncha.archive import package
from xuncha.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "立卷归档：verify <归档包.zip>（校验签名与每个文件的 SHA-256，被改动的包不予认可）；"
        "retention（列出保管期满的来信来访）；retention --dispose 编号… --user 用户名 "
        "--reason 理由（记录销毁决定并加密擦除）"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "retention"])
        parser.add_argument("args", nargs="*", help="verify: 归档包文件")
        parser.add_argument("--office", type=int, help="retention: 只列出该巡察机构（编号）")
        parser.add_argument(
            "--dispose", nargs="+", metavar="登记编号", help="retention: 销毁这些来信来访"
        )
        parser.add_argument("--user", help="retention --dispose: 作出决定的巡察办管理员")
        parser.add_argument("--reason", default="", help="retention --dispose: 处置理由")

    def handle(self, *args, action, **options):
        if action == "verify":
            if len(args) != 1:
                raise CommandError("请给出一个归档包文件。")
            return self._verify(args[0])
        if options["dispose"]:
            return self._dispose(options["dispose"], options)
        return self._list(options["office"])

    def _verify(self, file):
        try:
            result = package.verify(file)
        except DomainError as e:
            raise CommandError(f"校验失败：{e.message}") from None
        self.stdout.write(
            f"校验通过：归档包 {result.number}，{result.files} 个文件，"
            f"{result.bytes} 字节，签名有效；导出人 {result.exported_by}。"
        )
        self.stdout.write(f"水印：{result.watermark}")

    def _list(self, office_id):
        from django.utils import timezone

        from xuncha.archive import services
        from xuncha.archive.models import (
            submission_due_before,
            submission_expiry,
            submission_years,
        )
        from xuncha.org.models import Office
        from xuncha.petitions.models import Submission

        today = timezone.localdate()
        offices = Office.objects.order_by("path")
        if office_id:
            offices = offices.filter(pk=office_id)
        total = 0
        for office in offices:
            years = submission_years(office.pk)
            rows = list(
                Submission.objects.filter(
                    office=office,
                    shredded_on__isnull=True,
                    state__in=services.SUBMISSION_CLOSED_STATES,
                    closed_on__lt=submission_due_before(years, today),
                ).order_by("closed_on", "pk")
            )
            if not rows:
                continue
            linked = services.submission_open_links(rows)
            self.stdout.write(f"{office.name}（编号 {office.pk}，保管 {years} 年）：{len(rows)} 件")
            for s in rows:
                note = "；不能销毁：" + "、".join(linked[s.pk]) if s.pk in linked else ""
                self.stdout.write(
                    f"  {s.number}  办结 {s.closed_on}  保管至 "
                    f"{submission_expiry(s.closed_on, years)}  {s.get_category_display()}{note}"
                )
            total += len(rows)
        self.stdout.write(f"共 {total} 件保管期满待处置。")

    def _dispose(self, numbers, options):
        from django.contrib.auth import get_user_model

        from xuncha.archive import services
        from xuncha.petitions.models import Submission

        user = get_user_model().objects.filter(username=options["user"] or "").first()
        if user is None or not user.is_active:
            raise CommandError("请用 --user 给出作出决定的巡察办管理员用户名。")
        ids = set()
        for number in numbers:
            tail = number.rsplit("-", 1)[-1]
            if not number.startswith("XF") or not tail.isdigit():
                raise CommandError(f"登记编号“{number}”格式不对（应如 XF2019-000002）。")
            ids.add(int(tail))
        rows = [s for s in Submission.objects.filter(pk__in=ids) if s.number in numbers]
        if not ids or len(rows) != len(ids):
            raise CommandError("请给出要销毁的来信来访登记编号（须全部存在）。")
        try:
            decision = services.submission_dispose(
                submissions=rows, reason=options["reason"], actor=user
            )
        except DomainError as e:
            raise CommandError(f"未销毁：{e.message}") from None
        self.stdout.write(f"已记录处置决定第 {decision.pk} 号，销毁 {len(rows)} 件来信来访。")
