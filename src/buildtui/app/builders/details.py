"""Everything `buildx ls` knows about the highlighted builder: its nodes, endpoints,
platforms, flags, driver options and files."""

from __future__ import annotations

from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildx.models import Builder, BuilderList
from buildtui.buildx.presentation import NO_BUILDER, details_text
from buildtui.i18n import _


class BuilderDetails(ThemedStatic):
    """One builder's details; how to create one when the list has none."""

    DEFAULT_CSS = """
    BuilderDetails {
        padding: 0 1;
    }
    """

    def show_builder(self, builder: Builder | None, listing: BuilderList | None) -> None:
        if builder is None:
            self.show(_(NO_BUILDER) if listing else "")
        else:
            self.show(details_text(builder, listing))
