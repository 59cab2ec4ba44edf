"""Time from interpreter start to the first frame, for a bare Textual app or buildtui.

Run by bench/startup.py in a fresh process per sample:
`python bench/first_frame.py bare|buildtui` prints the seconds to the first frame.
Process start is taken from the kernel, so imports count too.
"""

from __future__ import annotations

import os
import sys


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

    def first_frame() -> None:
        print(f"{process_age():.4f}")
        app.exit()

    app.call_after_refresh(first_frame)
    app.run(headless=True, size=(120, 40))


if __name__ == "__main__":
    main()
