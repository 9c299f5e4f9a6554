"""The platform's one visual language: what a state's colour means, everywhere.

Five tones, each with one meaning on every page (status badges, action buttons, charts'
traffic lights):

- done (绿): finished and accepted — 已办结、已销号、已公开、已归档、整改到位;
- progress (蓝): moving, with someone working on it — 已受理、已交办、整改中、了解阶段;
- waiting (黄): waiting for a decision or needing attention — 待审批、已退回、基本到位;
- danger (红): a failure the reader must act on — 逾期、未到位、虚假整改、缺席;
- neutral (灰): settled without further work, or not started — 草稿、不予受理、已撤回、已废止.

A decision that says no (不予受理, 退回, 不予更换) is neutral, never red: red is for what has
gone wrong, not for a refusal. Every state, stage and status value of every model has a
tone here; tests/core/test_ui.py fails when a new one is added without it.

Buttons: one primary style (`btn-primary`) for the action the page is for; a negative
decision is `btn-outline-secondary`; red (`btn-outline-danger`) only for what deletes,
disables or withdraws something. `action_class(target)` picks it for workflow buttons.
"""

DONE, PROGRESS, WAITING, DANGER, NEUTRAL = "done", "progress", "waiting", "danger", "neutral"

TONE_LABELS = {
    DONE: "完成",
    PROGRESS: "办理中",
    WAITING: "待处理 / 需关注",
    DANGER: "异常 / 逾期",
    NEUTRAL: "未开始 / 已终止",
}

_BY_TONE = {
    DONE: """adopted approve approved archived closed completed concluded done filed final
        agree granted handed_over in_force present provided published reported active""",
    PROGRESS: """accepted acknowledged case decided deputy_review drafting evaluation feedback
        investigation issued leader_review open preliminary queued received rectification
        replied report requested review running sent signed stationing talk transferred
        preparation""",
    WAITING: """amended excused extend mostly outstanding pending proposed reject return
        returned shelved submitted watch""",
    DANGER: """absent failed false key not_done perfunctory overdue late serious""",
    NEUTRAL: """kept cleared confirmed destroy destroyed dissolved draft general merged
        refused rejected renamed repealed superseded withdrawn""",
}
TONES: dict[str, str] = {value: tone for tone, block in _BY_TONE.items() for value in block.split()}

# Workflow targets that say no or send back: a grey button, not the page's primary action.
NEGATIVE_TARGETS = {"rejected", "returned", "refused", "reject", "return", "not_accepted"}
# Targets that remove or withdraw: the only red buttons.
DESTRUCTIVE_TARGETS = {"withdrawn", "dissolved", "destroyed", "deleted", "cancelled"}


def tone_of(value) -> str:
    return TONES.get(str(value or ""), NEUTRAL)


def action_class(target) -> str:
    target = str(target or "")
    if target in DESTRUCTIVE_TARGETS:
        return "btn-outline-danger"
    if target in NEGATIVE_TARGETS:
        return "btn-outline-secondary"
    return "btn-primary"


def tones_in_use() -> dict[str, list[tuple[str, str]]]:
    """{tone: [(value, label), ...]} over every state/stage/status field of every model."""
    seen: dict[str, set[tuple[str, str]]] = {}
    for value, label in state_choices():
        seen.setdefault(tone_of(value), set()).add((value, label))
    return {tone: sorted(pairs) for tone, pairs in seen.items()}


STATE_FIELDS = ("state", "stage", "status", "finding", "grade", "outcome", "decision", "result")


def state_choices() -> list[tuple[str, str]]:
    """(value, label) of every state, stage and status choice of the project's models."""
    from django.apps import apps

    out = []
    for model in apps.get_models():
        if not model.__module__.startswith("xuncha."):
            continue
        for f in model._meta.fields:
            if f.name in STATE_FIELDS and f.choices:
                out.extend((str(v), str(label)) for v, label in f.choices)
    return out


# The style page's example charts and KPIs, in the dashboard's own format (org/_dashboard.html).
SAMPLE_DASHBOARD = {
    "kpis": [
        {"label": "本届已巡察单位", "value": 86, "unit": "个", "url": "#"},
        {"label": "发现问题", "value": 412, "unit": "个", "url": "#"},
        {"label": "整改完成率", "value": 73.5, "unit": "%", "url": "#"},
        {"label": "逾期措施", "value": 9, "unit": "项", "url": "#"},
    ],
    "charts": [
        {
            "id": "sample-bar",
            "type": "bar",
            "title": "各阶段巡察数",
            "link": "#",
            "unit": "个",
            "total": 17,
            "rows": [
                {"name": "准备", "value": 3, "url": "#"},
                {"name": "了解", "value": 6, "url": "#"},
                {"name": "反馈", "value": 4, "url": "#"},
                {"name": "移交/整改", "value": 4, "url": "#"},
            ],
        },
        {
            "id": "sample-pie",
            "type": "pie",
            "title": "整改措施红黄绿灯",
            "link": "#",
            "unit": "项",
            "total": 60,
            "rows": [
                {"name": "按期推进", "value": 41, "url": "#", "color": "#146c43"},
                {"name": "临近期限", "value": 10, "url": "#", "color": "#cc9a06"},
                {"name": "逾期", "value": 9, "url": "#", "color": "#b02a37"},
            ],
        },
    ],
}
