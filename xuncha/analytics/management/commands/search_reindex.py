"""`xuncha search_reindex`: rebuild the blind full-text index (and optionally the topics)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "重建全文检索索引（盲索引）；--topics 同时重新计算来信来访主题"

    def add_arguments(self, parser):
        parser.add_argument("--topics", action="store_true", help="同时重新计算主题")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args, topics=False, enqueue=False, **options):
        from xuncha.analytics import search, tasks_topics
        from xuncha.analytics import topics as topic_core

        if enqueue:
            tasks_topics.search_reindex.enqueue()
            if topics:
                tasks_topics.request_recompute()
            self.stdout.write("已加入后台任务队列。")
            return

        def progress(done, total):
            self.stdout.write(f"  已索引 {done}/{total}")

        n = search.rebuild(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"全文检索索引已重建：{n} 条记录。"))
        if topics:
            made = topic_core.recompute()
            self.stdout.write(self.style.SUCCESS(f"主题已重新计算：{made} 个主题。"))
