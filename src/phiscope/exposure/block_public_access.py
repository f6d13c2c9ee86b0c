"""Block Public Access: the effective flags, and at which level (account, bucket) each is set.

Account and bucket settings combine by OR: the most restrictive wins. `BlockPublicAcls` and
`BlockPublicPolicy` only reject *future* writes; `IgnorePublicAcls` and `RestrictPublicBuckets` act
on what exists now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@dataclass(slots=True)
class Effective:
    flags: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(FLAGS, False))
    levels: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in FLAGS})

    def on(self, flag: str) -> bool:
        return self.flags[flag]

    def where(self, flag: str) -> str:
        """e.g. 'IgnorePublicAcls (account level)' or '(account and bucket level)'."""
        lv = self.levels[flag]
        return f"{flag} ({' and '.join(lv)} level)" if lv else flag


def _flag(cfg: Any, name: str) -> bool:
    if not isinstance(cfg, dict):
        return False
    v = cfg.get(name)
    if isinstance(v, str):
        return v.strip().lower() == "true"
    return bool(v)


def effective(account: Any, bucket: Any) -> Effective:
    e = Effective()
    for f in FLAGS:
        for level, cfg in (("account", account), ("bucket", bucket)):
            if _flag(cfg, f):
                e.flags[f] = True
                e.levels[f].append(level)
    return e
