"""`xuncha restore <backup> --keys <keys backup>`: restore into an empty installation,
then compare every table and file with the manifest and verify the audit chain."""

import json

from django.core.management.base import BaseCommand, CommandError

from xuncha.core import backup
from xuncha.core.errors import DomainError


class Command(BaseCommand):
    help = "从备份恢复到空的安装 / restore a backup into an empty installation"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="数据备份目录（含 manifest.json）")
        parser.add_argument("--keys", required=True, help="同一次备份的密钥备份目录")
        parser.add_argument("--check", action="store_true", help="只校验备份，不恢复")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="以 JSON 输出恢复结果"
        )

    def handle(self, *args, folder, keys, check, as_json, **options):
        try:
            if check:
                manifest, _keys = backup.verify(folder, keys)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"备份 {manifest['id']} 校验通过：{len(manifest['files'])} 个文件与清单一致。"
                    )
                )
                return
            report = backup.restore(folder, keys)
        except DomainError as error:
            raise CommandError(f"恢复失败：{error}") from None
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        problems = []
        if report["differing_tables"]:
            problems.append(f"数据表不一致：{'、'.join(report['differing_tables'])}")
        if report["differing_files"]:
            problems.append(f"文件不一致：{'、'.join(report['differing_files'])}")
        if report["audit_problem"]:
            problems.append(f"审计链：{report['audit_problem']}")
        if problems:
            raise CommandError("恢复后的核对未通过：" + "；".join(problems))
        if not as_json:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已从备份 {report['id']} 恢复：{report['tables']} 张表 {report['rows']} 行"
                    f"与清单一致，{report['files']} 个上传文件校验一致，"
                    f"审计链 {report['audit_entries']} 条记录校验完好。"
                )
            )
