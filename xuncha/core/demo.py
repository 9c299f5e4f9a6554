"""The demo-data contract: each app that has demo data offers `<app>/demo.py: build(ctx)`.

`xuncha demo` calls them in DEMO_APPS order inside one transaction per app. A generator
reads what earlier apps built from the database, draws every random choice from
`ctx.rng` (so a seed gives the same city every time) and multiplies its volumes by
`ctx.scale`. Accounts it creates for people to try go into `ctx.accounts`
(role label -> {"username", "password"}), which the command prints and writes to
`demo-accounts.json` in the data folder.
"""

import random
from dataclasses import dataclass, field
from datetime import date

DEMO_APPS = ["org", "plans", "inspections", "petitions", "clues", "rectification"]


@dataclass
class DemoContext:
    seed: int = 2026
    scale: int = 1
    today: date = field(default_factory=date.today)
    accounts: dict = field(default_factory=dict)
    rng: random.Random = field(init=False)
    log: object = print

    def __post_init__(self):
        self.rng = random.Random(self.seed)

    def n(self, base: int) -> int:
        """A volume scaled by --scale."""
        return base * self.scale
