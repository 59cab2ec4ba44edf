"""The set-up record: what `buildtui lab up` created, so that `lab down` removes only that.

One JSON file per registry container in the data dir (`lab/CONTAINER.json`), owner-only
(0600 in a 0700 folder), removed once it names nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from buildtui.i18n import _
from buildtui.private_files import write_private
from buildtui.settings import data_dir


class LabError(Exception):
    """`lab up`/`lab down` cannot go on; the message says what happened and what to do."""


@dataclass
class LabRecord:
    """What `lab up` created for one registry container (only those are `lab down`'s)."""

    container: str
    container_id: str | None = None
    volume: str | None = None
    builder: str | None = None
    registry_url: str = ""
    created_at: float = field(default_factory=time.time)

    @property
    def empty(self) -> bool:
        return self.container_id is None and self.volume is None and self.builder is None


def record_path(container: str, base: Path | None = None) -> Path:
    return (base or data_dir()) / "lab" / f"{container}.json"


def load_record(container: str, base: Path | None = None) -> LabRecord | None:
    path = record_path(container, base)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LabRecord(**{k: data.get(k) for k in LabRecord.__dataclass_fields__ if k in data})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as error:
        raise LabError(
            _(
                "the record of `lab up` ({path}) cannot be read ({error}); remove what it "
                "created by hand (`docker ps -a`, `docker volume ls`) and delete the file"
            ).format(path=path, error=error)
        ) from None


def save_record(record: LabRecord, base: Path | None = None) -> Path:
    """Write it owner-only (0600 in a 0700 directory); remove it once it names nothing."""
    path = record_path(record.container, base)
    if record.empty:
        path.unlink(missing_ok=True)
        return path
    write_private(path, json.dumps(asdict(record), indent=2))
    return path
