"""Doctor checks about this installation itself: the debug log, stray BUILDTUI_* names and
a disk cache that cannot be used."""

from __future__ import annotations

from collections.abc import Mapping

from buildtui.engine.status import Check
from buildtui.i18n import N_, _
from buildtui.settings import ENV_PREFIX, ENV_SETTINGS, Settings, ignored_env


def local_checks(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Check]:
    from buildtui.logs import log_path

    path = log_path()
    if settings.log == "off":
        log = Check(
            N_("debug log"),
            "ok",
            _("off; `--debug` or BUILDTUI_LOG=debug writes {path}").format(path=path),
        )
    else:
        log = Check(N_("debug log"), "ok", f"{settings.log}: {path}")
    checks = [log]
    from buildtui.registry.blobcache import cache_problem

    cache = cache_problem()
    if cache is not None:
        checks.append(Check(N_("disk cache"), "warn", cache[0], cache[1]))
    ignored = ignored_env(environ)
    if ignored:
        known = ", ".join(ENV_PREFIX + name.upper() for name in ENV_SETTINGS)
        checks.append(
            Check(
                "settings",
                "warn",
                _("ignored (no such setting): {ignored}").format(ignored=", ".join(ignored)),
                _("check the spelling; the variables buildtui reads are {known}").format(
                    known=known
                ),
            )
        )
    return checks
