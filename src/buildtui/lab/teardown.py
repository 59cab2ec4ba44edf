"""`buildtui lab down`: remove what `lab up` recorded, and nothing else."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from buildtui.engine.client import make_docker_client
from buildtui.lab.record import LabError, load_record, save_record
from buildtui.lab.setup import LabSpec, Outcome, cli_argv, container_id, docker_error
from buildtui.settings import Settings


def lab_down(
    container: str, settings: Settings, remove_data: Callable[[str], bool]
) -> list[Outcome]:
    """Remove what `lab up` recorded for `container`, and nothing else.

    `remove_data(volume)` decides about the data volume (asks, or --keep-data / -y).
    """
    from python_on_whales.exceptions import DockerException

    record = load_record(container)
    if record is None or record.empty:
        return [
            Outcome(
                "missing",
                "container",
                container,
                "`lab up` has recorded nothing for it: nothing removed (lab down removes only "
                "what lab up created)",
            )
        ]
    docker = make_docker_client(settings)
    outcomes: list[Outcome] = []
    down = shlex.join(
        [*cli_argv(settings, LabSpec(container, settings.registry_url))[:-2], "lab", "down"]
    )
    try:
        if record.container_id is not None:
            found = container_id(docker, container)
            if found is None:
                outcomes.append(Outcome("missing", "container", container, "already gone"))
            elif found != record.container_id:
                outcomes.append(
                    Outcome(
                        "kept",
                        "container",
                        container,
                        "another container took this name since lab up: left alone",
                    )
                )
            else:
                docker.container.remove(container, force=True)
                outcomes.append(Outcome("removed", "container", container))
            record.container_id = None
        if record.builder is not None:
            outcomes.append(_remove_builder(record.builder, settings))
            record.builder = None
        if record.volume is not None:
            volume = record.volume
            if not docker.volume.exists(volume):
                outcomes.append(Outcome("missing", "volume", volume, "already gone"))
                record.volume = None
            elif remove_data(volume):
                docker.volume.remove(volume)
                outcomes.append(Outcome("removed", "volume", volume, "the registry's images"))
                record.volume = None
            else:
                outcomes.append(
                    Outcome(
                        "kept",
                        "volume",
                        volume,
                        f"the registry's images; `{down} -y` removes it, `lab up` uses it again",
                    )
                )
    except DockerException as error:
        save_record(record)
        raise LabError(docker_error(error)) from None
    save_record(record)
    return outcomes


def _remove_builder(name: str, settings: Settings) -> Outcome:
    from buildtui.buildx.builders import BuildersService
    from buildtui.buildx.errors import BuildxError

    service = BuildersService(settings)
    try:
        if name not in service.list().names:
            return Outcome("missing", "builder", name, "already gone")
        service.remove(name)
    except BuildxError as error:
        return Outcome("kept", "builder", name, error.message)
    return Outcome("removed", "builder", name)
