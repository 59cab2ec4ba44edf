"""`buildtui lab down`: remove what `lab up` created, and nothing else.

What `lab up` created is what its record names and what carries its label
(`io.github.buildtui.lab=CONTAINER`, set when each volume and container is created):
a `lab up` killed before it could record something still left it labelled. A
container that bears the name but neither is another's, and is left alone; so is a
volume that another container still mounts.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from buildtui.engine.client import make_docker_client
from buildtui.i18n import N_, _, ngettext
from buildtui.lab.setup import (
    LABEL,
    LabSpec,
    Outcome,
    cli_argv,
    docker_error,
    helpers,
    keep_record,
)
from buildtui.lab.setup_record import LabError, LabRecord, load_record
from buildtui.settings import Settings

NOT_OURS = N_("not created by `lab up`; left alone")


def lab_down(
    container: str, settings: Settings, remove_data: Callable[[str], bool]
) -> list[Outcome]:
    """Remove what `lab up` created for `container` (recorded or labelled), nothing else.

    `remove_data(volume)` decides about the data volume (asks, or --keep-data / -y).
    """
    from python_on_whales.exceptions import DockerException

    record = load_record(container) or LabRecord(container)
    docker = make_docker_client(settings)
    label = f"{LABEL}={container}"
    outcomes: list[Outcome] = []
    down = shlex.join(
        [*cli_argv(settings, LabSpec(container, settings.registry_url))[:-2], "lab", "down"]
    )
    try:
        labelled = {str(c.id) for c in docker.container.list(all=True, filters=[("label", label)])}
        if docker.container.exists(container):
            found = str(docker.container.inspect(container).id)
            if found == record.container_id or found in labelled:
                docker.container.remove(container, force=True)
                outcomes.append(Outcome("removed", "container", container))
            elif record.container_id is not None:
                outcomes.append(
                    Outcome(
                        "kept", "container", container,
                        _("another container took this name since lab up: left alone"),
                    )
                )  # fmt: skip
            else:
                outcomes.append(Outcome("kept", "container", container, _(NOT_OURS)))
        elif record.container_id is not None:
            outcomes.append(Outcome("missing", "container", container, _("already gone")))
        record.container_id = None
        for name, ident in helpers(docker, container):  # a killed recreate's
            docker.container.remove(ident, force=True)
            outcomes.append(Outcome("removed", "container", name, _("left by a killed lab up")))
        if record.builder is not None:
            outcomes.append(_remove_builder(record.builder, settings))
            record.builder = None
        volumes = [str(v.name) for v in docker.volume.list(filters=[("label", label)])]
        if record.volume is not None and record.volume not in volumes:
            if docker.volume.exists(record.volume):
                # Recorded, yet not labelled by lab up: someone else's since.
                outcomes.append(Outcome("kept", "volume", record.volume, _(NOT_OURS)))
            else:
                outcomes.append(Outcome("missing", "volume", record.volume, _("already gone")))
            record.volume = None
        for volume in volumes:
            users = [
                str(c.name) for c in docker.container.list(all=True, filters=[("volume", volume)])
            ]
            if users:
                record.volume = volume
                outcomes.append(
                    Outcome(
                        "kept", "volume", volume,
                        ngettext(
                            "the registry's images; container {users} mounts it, so it "
                            "stays (remove it first, then `{down} -y`)",
                            "the registry's images; containers {users} mount it, so it "
                            "stays (remove them first, then `{down} -y`)",
                            len(users),
                        ).format(users=", ".join(users), down=down),
                    )
                )  # fmt: skip
            elif remove_data(volume):
                docker.volume.remove(volume)
                outcomes.append(Outcome("removed", "volume", volume, _("the registry's images")))
                record.volume = None
            else:
                record.volume = volume
                outcomes.append(
                    Outcome(
                        "kept", "volume", volume,
                        _(
                            "the registry's images; `{down} -y` removes it, `lab up` "
                            "uses it again"
                        ).format(down=down),
                    )
                )  # fmt: skip
    except DockerException as error:
        keep_record(record)
        raise LabError(docker_error(error)) from None
    keep_record(record)
    if not outcomes:
        outcomes.append(
            Outcome(
                "missing", "container", container,
                _(
                    "there is no such container and `lab up` has recorded nothing for "
                    "it: nothing removed (lab down removes only what lab up created)"
                ),
            )
        )  # fmt: skip
    return outcomes


def _remove_builder(name: str, settings: Settings) -> Outcome:
    from buildtui.buildx.builders import BuildersService
    from buildtui.buildx.errors import BuildxError

    service = BuildersService(settings)
    try:
        if name not in service.list().names:
            return Outcome("missing", "builder", name, _("already gone"))
        service.remove(name)
    except BuildxError as error:
        return Outcome("kept", "builder", name, error.message)
    return Outcome("removed", "builder", name)
