"""The user's config file (TOML): key remapping by binding id.

```toml
[keys]
"study.reveal" = "space,enter"
"study.bury" = "B"
```
Binding ids are listed by ``?`` in the app and in docs/keys.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from drillbreak import paths
from drillbreak.errors import UserError


@dataclass(frozen=True)
class Config:
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None


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
