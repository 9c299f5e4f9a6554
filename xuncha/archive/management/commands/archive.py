"""`xuncha archive verify <file>`: check a downloaded archive package; refuse a tampered one."""

from django.core.management.base import BaseCommand, CommandError

from xuncha.archive import package
from xuncha.core.errors import DomainError


class Command(BaseCommand):
    help = "立卷归档：verify <归档包.zip>（校验签名与每个文件的 SHA-256，被改动的包不予认可）"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("file")

    def handle(self, *args, action, file, **options):
        try:
            result = package.verify(file)
        except DomainError as e:
            raise CommandError(f"校验失败：{e.message}") from None
        self.stdout.write(
            f"校验通过：归档包 {result.number}，{result.files} 个文件，"
            f"{result.bytes} 字节，签名有效；导出人 {result.exported_by}。"
        )
        self.stdout.write(f"水印：{result.watermark}")
