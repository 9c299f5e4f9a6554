"""`xuncha backup`: a consistent online backup (database, uploads, manifest) and, in a
separate folder, the key material (xuncha/core/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xuncha.core import backup
from xuncha.core.errors import DomainError


class Command(BaseCommand):
    help = "在线备份数据库、上传文件与密钥 / online backup of database, uploads and keys"

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            help="备份写入的目录（默认 XUNCHA_BACKUP_DIR，未设置时为 数据目录/backups）",
        )
        parser.add_argument(
            "--keys-out",
            help="密钥备份写入的目录（默认与数据备份并列的 <编号>-keys，应另行保管）",
        )
        parser.add_argument(
            "--verify",
            metavar="备份目录",
            help="不备份，只校验一份已有备份的清单与每个文件的 SHA-256（结果记入审计日志）",
        )
        parser.add_argument(
            "--keys", metavar="密钥备份目录", help="与 --verify 同用：一并校验密钥备份"
        )

    def handle(self, *args, out, keys_out, verify, keys, **options):
        if verify:
            return self._verify(verify, keys)
        out = Path(out or settings.BACKUP_DIR or Path(settings.DATA_DIR) / "backups")
        try:
            manifest = backup.backup(out, keys_out=keys_out)
        except DomainError as error:
            raise CommandError(f"备份失败：{error}") from None
        rows = sum(t["rows"] for t in manifest["tables"].values())
        keys = keys_out or out / f"{manifest['id']}-keys"
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{out / manifest['id']}\n"
                f"  数据库（{manifest['vendor']}）{len(manifest['tables'])} 张表、{rows} 行；"
                f"文件 {len(manifest['files'])} 个（含数据库），均已记录 SHA-256；"
                f"审计链头 #{manifest['audit_head']['seq']}\n"
                f"  密钥备份：{keys}（请与数据备份分开保管）"
            )
        )

    def _verify(self, folder, keys):
        try:
            manifest, keys_manifest = backup.verify_recorded(folder, keys)
        except DomainError as error:
            raise CommandError(f"备份校验失败：{error}") from None
        checked = len(manifest["files"]) + len((keys_manifest or {}).get("files", {}))
        self.stdout.write(
            self.style.SUCCESS(
                f"备份校验通过：{manifest['id']}，{checked} 个文件的 SHA-256 与清单一致"
                + ("（含密钥备份）" if keys_manifest else "（未校验密钥备份：可加 --keys）")
            )
        )
