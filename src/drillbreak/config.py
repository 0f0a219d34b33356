"""The user's config file (TOML): key remapping by binding id.

```toml
[keys]
"study.reveal" = "space,enter"
"study.bury" = "B"
```
Binding ids are listed by ``?`` in the app and in docs/keys.md.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from drillbreak import paths
from drillbreak.errors import UserError


@dataclass(frozen=True)
class Config:
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def unknown_keys_warning(self, known: Collection[str]) -> str | None:
        """One line naming each [keys] entry that matches no binding id in ``known``
        (with the closest id, when one is close), or None when all match."""
        unknown = [k for k in self.keys if k not in known]
        if not unknown:
            return None
        names = []
        for key in unknown:
            close = difflib.get_close_matches(key, list(known), n=1)
            names.append(f'"{key}"' + (f' (did you mean "{close[0]}"?)' if close else ""))
        which = "matches no binding" if len(unknown) == 1 else "match no binding"
        return (
            f"{self.path}: [keys] {', '.join(names)} {which} and is ignored; "
            "the ids are in docs/keys.md and on ? in the app"
        )


def load_config(path: Path | None = None) -> Config:
    path = path or paths.config_path()
    if not path.exists():
        return Config(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: {exc}; fix the TOML syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read config ({exc})") from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise UserError(
            f'{path}: [keys] must map binding ids to key names, e.g. "study.bury" = "B"'
        )
    return Config(keys=dict(keys), path=path)
