"""`xuncha audit checkpoint`: sign the audit chain head into the checkpoint file."""

import json

from django.core.management.base import BaseCommand, CommandError

from xuncha.audit import checkpoints
from xuncha.audit.services import checkpoint


class Command(BaseCommand):
    help = (
        "校验上次检查点以来的审计记录并签名链头，追加到检查点文件 / verify the entries "
        "since the last checkpoint and append a signed checkpoint of the head "
        "(run it periodically, e.g. hourly from cron or a systemd timer)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="交给后台任务执行 / run it in the task worker"
        )

    def handle(self, *args, enqueue, **options):
        if enqueue:
            from xuncha.audit.tasks import audit_checkpoint

            result = audit_checkpoint.enqueue()
            self.stdout.write(f"已加入后台任务 / enqueued: {result.id}")
            return
        line, problem = checkpoint()
        if problem is not None:
            raise CommandError(
                f"审计链校验失败，未写入检查点 / audit chain verification FAILED, "
                f"no checkpoint written\n{problem}"
            )
        if line is None:
            self.stdout.write("链头已有检查点，无需新增 / the head is already checkpointed")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入第 {line['seq']} 条记录处的签名检查点：{checkpoints.checkpoint_path()} / "
                f"checkpoint at entry #{line['seq']} written"
            )
        )
        # The line itself, for an external log or a copy kept elsewhere.
        self.stdout.write(json.dumps(line, sort_keys=True, ensure_ascii=False))
