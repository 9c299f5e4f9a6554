"""Demo saved views: the city office's staff member keeps a few filters (我的视图)."""

from xuncha.org.models import User
from xuncha.savedviews import services


def build(ctx):
    staff = User.objects.filter(username="office_staff").first()
    if staff is None:
        ctx.log("  跳过：没有演示账号 office_staff")
        return
    views = [
        ("stats:index", f"year={ctx.today.year}", f"{ctx.today.year}年度统计"),
        ("rectification:overview", "light=red", "红灯整改措施"),
        ("petitions:register", "state=received", "待受理来信来访"),
        ("clues:handover_list", "overdue=1", "逾期未反馈移交"),
    ]
    for page, query, name in views:
        services.saved_view_create(owner=staff, page=page, query=query, name=name)
    ctx.log(f"  我的视图 {len(views)} 个（office_staff）")
