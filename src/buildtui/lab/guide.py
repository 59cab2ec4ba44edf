"""Laboratory 7's nine items, each decided from what the app observed.

`evaluate` is pure: it reads the builders list, the engine's status, the build history
(each build's argv and parsed summary), the lab registry's contents and the clean-up
records, and says for each item whether it is done, with its evidence, the commands
that do it and the pane (and form preset) that does it in the app. Nothing here is
ticked because a user said so. `observe.py` gathers the observations.

The checklist's model is in `checklist`, the items in `engine_items` (1-3) and
`build_items` (4-9), what they rest on in `build_command` and `evidence`; this module
is the guide's public face and keeps the names the rest of the app imports from it.
"""

from __future__ import annotations

from buildtui.builds.options import LAB_PLATFORMS
from buildtui.buildx.errors import BUILDKIT_IMAGE
from buildtui.i18n import language_of, speaking
from buildtui.lab.build_command import (
    csv_fields,
    exports_of,
    flag_values,
    platforms_of,
    registry_caches,
)
from buildtui.lab.build_items import (
    bonus_item,
    cache_export_item,
    cache_import_item,
    cache_size_item,
    exported_item,
    pushed_item,
)
from buildtui.lab.checklist import (
    EXPORTERS,
    ExportCheck,
    Guide,
    Item,
    Observations,
    Status,
    Translate,
    short_title,
    untranslated,
)
from buildtui.lab.engine_items import builder_item, platforms_item, registry_item
from buildtui.lab.evidence import (
    cache_breakdown,
    cache_size_record,
    local_cache_hits,
    two_platform_image,
)
from buildtui.lab.imported import mark_imported
from buildtui.lab.proofs import keep

__all__ = [
    "BUILDKIT_IMAGE",
    "EXPORTERS",
    "LAB_PLATFORMS",
    "ExportCheck",
    "Guide",
    "Item",
    "Observations",
    "Status",
    "Translate",
    "cache_breakdown",
    "cache_size_record",
    "csv_fields",
    "evaluate",
    "evaluate_live",
    "exports_of",
    "flag_values",
    "local_cache_hits",
    "platforms_of",
    "registry_caches",
    "short_title",
    "two_platform_image",
]


def evaluate_live(obs: Observations, _: Translate = untranslated) -> Guide:
    """Each item as what is observed now shows it (no kept proof)."""
    with speaking(language_of(_)):  # what the items quote from elsewhere speaks it too
        return _evaluate_live(obs, _)


def _evaluate_live(obs: Observations, _: Translate) -> Guide:
    image = two_platform_image(obs)
    items = (
        platforms_item(obs, _),
        builder_item(obs, _),
        registry_item(obs, _),
        pushed_item(obs, image, _),
        exported_item(obs, _),
        cache_export_item(obs, _),
        cache_import_item(obs, _),
        cache_size_item(obs, _),
        bonus_item(obs, _),
    )
    return Guide(items)


def evaluate(obs: Observations, _: Translate = untranslated) -> Guide:
    """The guide: each item as observed now, or as its kept proof shows it (with a note
    of what changed since), each item resting on an imported build saying so. The Lab
    pane, `lab status` and the report all use this."""
    with speaking(language_of(_)):
        return Guide(mark_imported(keep(evaluate_live(obs, _).items, obs, _), obs, _))
