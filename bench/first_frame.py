"""Time from interpreter start to the first frame, for a bare Textual app or buildtui.

Run by bench/startup.py in a fresh process per sample:
`python bench/first_frame.py bare|buildtui` prints the seconds to the first frame,
from the process start the kernel records (10 ms ticks), so imports count too.
With `--monotonic` it prints the monotonic clock at the first frame instead, for a
parent that read the same clock just before starting it (nanosecond resolution).
With `--until-panes` (buildtui) it prints a second time, once the tabs and the panes
(loaded after the first frame) are drawn: the pane in front, the only one shown; and
a third time once the panes behind it, mounted in the background after it is drawn,
are all mounted.
"""

from __future__ import annotations

import os
import sys
import time


def process_age() -> float:
    """Seconds since this process started (Linux: /proc/self/stat start time)."""
    with open("/proc/self/stat") as stat:
        start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as uptime:
        up = float(uptime.read().split()[0])
    return up - start_ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    kind = sys.argv[1]
    from textual.app import App

    app: App[None]
    if kind == "bare":
        from textual.widgets import Static

        class Bare(App[None]):
            def compose(self):  # type: ignore[no-untyped-def]
                yield Static("hello")

        app = Bare()
    else:
        from buildtui.app.app import make_app
        from buildtui.settings import load_settings

        app = make_app(load_settings())

    def now() -> str:
        return f"{time.monotonic():.6f}" if "--monotonic" in sys.argv else f"{process_age():.4f}"

    def first_frame() -> None:
        print(now(), flush=True)
        if "--until-panes" in sys.argv and kind != "bare":
            app.set_interval(0.005, panes_ready)
        else:
            app.exit()

    seen: list[bool] = []

    def panes_ready() -> None:
        """With --until-panes: a second line once the tabs and panes are drawn."""
        if not seen and app.query("TabbedContent") and not app.query("#loading"):
            seen.append(True)
            app.call_after_refresh(finish)

    def finish() -> None:
        print(now(), flush=True)
        app.set_interval(0.005, all_panes_ready)

    def all_panes_ready() -> None:
        """A third line once every tab holds its pane, mounted."""
        tabs = app.query("TabPane")
        if len(seen) == 1 and all(
            tab.children and all(pane.is_mounted for pane in tab.children) for tab in tabs
        ):
            seen.append(True)
            app.call_after_refresh(done)

    def done() -> None:
        print(now(), flush=True)
        app.exit()

    app.call_after_refresh(first_frame)
    app.run(headless=True, size=(120, 40))


if __name__ == "__main__":
    main()
