"""Demo step of search and topics: index every record built so far and group the
submissions into topics, so that /search/ and the hot-issue pages have something to show.

Run after the petitions, clues and rectification demos (they bulk-create records without
the services' indexing hooks). Wire it in core/demo.py after "rectification", e.g. by an
analytics demo that calls `demo_search.build(ctx)`.
"""


def build(ctx):
    from xuncha.analytics import search, topics

    n = search.rebuild()
    ctx.log(f"  全文检索：已为 {n} 条记录建立盲索引")
    made = topics.recompute()
    ctx.log(f"  群众反映主题：{made} 个")
