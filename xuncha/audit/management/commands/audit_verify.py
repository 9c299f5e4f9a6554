"""`xuncha audit verify`: walk the keyed audit chain, check it against every signed
checkpoint, report the first break; an intact chain gets a new checkpoint at its head."""

import time

from django.core.management.base import BaseCommand, CommandError

from xuncha.audit.services import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链 / verify the audit log hash chain (exit status 1 on a break)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="每批读取的记录数 / rows per batch"
        )
        parser.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="校验通过后不写入新的签名检查点 / do not checkpoint the verified head",
        )

    def handle(self, *args, chunk_size, no_checkpoint, **options):
        started = time.monotonic()
        count, problem = verify_chain(
            chunk_size=max(chunk_size, 1), write_checkpoint=not no_checkpoint
        )
        seconds = time.monotonic() - started
        if problem is not None:
            raise CommandError(
                f"审计链校验失败 / audit chain verification FAILED\n{problem}\n"
                f"（此前 {count} 条完好 / {count} entries before it are intact）"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"审计链完好：共 {count} 条记录，用时 {seconds:.1f} 秒 / "
                f"audit chain intact: {count} entries verified in {seconds:.1f} s"
            )
        )
