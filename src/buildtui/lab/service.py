"""What the Lab pane asks for: the observations, a build's log, the report written out.

Blocking (docker, HTTP, sqlite): the pane calls it from thread workers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from buildtui.build.history import BuildHistory
from buildtui.lab.guide import Guide, Observations, evaluate
from buildtui.lab.i18n import translator
from buildtui.lab.observe import Sources, observe, real_sources
from buildtui.lab.report import render
from buildtui.private_files import write_private
from buildtui.settings import Settings


class LabService:
    def __init__(
        self,
        settings: Settings,
        history: BuildHistory | None = None,
        sources: Callable[[], Sources] | None = None,
    ) -> None:
        self.settings = settings
        self.history = history or BuildHistory()
        self._sources = sources or (lambda: real_sources(settings, self.history))

    def observe(self) -> Observations:
        return observe(self._sources())

    def guide(self, observations: Observations, language: str) -> Guide:
        return evaluate(observations, translator(language))

    def log(self, build_id: int) -> str:
        return self.history.get(build_id).log

    def write_report(
        self, observations: Observations, language: str, folder: Path | None = None
    ) -> list[Path]:
        """The report as `lab7-report.md` and `lab7-report.html` in `folder` (the current
        one by default); the paths written."""
        folder = Path.cwd() if folder is None else folder
        _ = translator(language)
        guide = evaluate(observations, _)
        written = []
        for fmt in ("md", "html"):
            path = folder / f"lab7-report.{fmt}"
            text = render(guide, observations, self.log, fmt=fmt, language=language, _=_)
            write_private(path, text, links="refuse", own_folder=False)
            written.append(path)
        return written
