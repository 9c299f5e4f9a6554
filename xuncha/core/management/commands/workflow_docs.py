"""`xuncha workflow_docs [--check]`: write docs/workflow.md from the TRANSITIONS tables.

With --check nothing is written; the command exits non-zero when the file is out of date.
"""

from django.core.management.base import BaseCommand, CommandError

from xuncha.core import workflow_docs


class Command(BaseCommand):
    help = "生成 docs/workflow.md（各工作流程的状态图），或用 --check 检查其是否过期。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查，文件过期时以非零状态退出")

    def handle(self, *args, check=False, **options):
        path = workflow_docs.doc_path()
        text = workflow_docs.render()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if check:
            if current != text:
                raise CommandError(
                    f"{path} 与代码中的工作流程表不一致，请运行 `xuncha workflow_docs` 重新生成。"
                )
            self.stdout.write(f"{path} 是最新的。")
            return
        if current == text:
            self.stdout.write(f"{path} 无变化。")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"已写入 {path}。"))
