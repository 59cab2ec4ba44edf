"""Items 1-3 of the guide: the engine builds for both platforms, a docker-container
builder is in use, the lab registry runs with deletion enabled."""

from __future__ import annotations

from buildtui.builds.options import LAB_PLATFORMS
from buildtui.buildx.commands import LAB_BUILDER, render_create_command
from buildtui.buildx.errors import BUILDKIT_IMAGE
from buildtui.lab.checklist import (
    Item,
    Observations,
    Status,
    Translate,
)
from buildtui.pane_ids import Target


def platforms_item(obs: Observations, _: Translate) -> Item:
    title = _("The engine builds for linux/amd64 and linux/arm64 (emulation present)")
    commands = ("docker buildx ls", "docker buildx inspect --bootstrap")
    candidates: list[tuple[str, tuple[str, ...]]] = []
    if obs.builders is not None:
        current = obs.builders.current
        for builder in sorted(obs.builders.builders, key=lambda b: b.name != current):
            for node in builder.nodes:
                candidates.append((builder.name, node.platform_names))
    elif obs.engine is not None and obs.engine.builder:
        candidates.append((obs.engine.builder, obs.engine.platforms))
    for name, platforms in candidates:
        if all(p in platforms for p in LAB_PLATFORMS):
            return Item(
                1,
                "platforms",
                title,
                Status.DONE,
                (
                    _("Builder {name}: {platforms}").format(
                        name=name, platforms=", ".join(platforms)
                    ),
                ),
                commands,
                Target.BUILDERS,
            )
    note = _(
        "No builder lists both linux/amd64 and linux/arm64: install QEMU emulation "
        "(docker run --privileged --rm tonistiigi/binfmt --install arm64) and look again."
    )
    if not candidates:
        note = _("The builders could not be listed: {error}").format(
            error=_("is the Docker engine running? `buildtui doctor` says what is missing")
        )
    return Item(1, "platforms", title, Status.TODO, (), commands, Target.BUILDERS, note=note)


def builder_item(obs: Observations, _: Translate) -> Item:
    """Item 2. Its advice proposes only what is not done yet: no `create` of a
    docker-container builder that exists, no `use` of the one in use."""
    title = _("A docker-container builder exists and is in use")
    create: tuple[str, ...] = (render_create_command(["docker"], LAB_BUILDER),)
    builders = obs.builders

    def to_create(note: str) -> Item:
        return Item(2, "builder", title, Status.TODO, (), create, Target.CREATE_BUILDER, note=note)

    if builders is None:
        return to_create(_("The builders could not be listed."))
    current = builders.get(builders.current) if builders.current else None
    containers = sorted(
        (b for b in builders.builders if b.driver == "docker-container"),
        key=lambda b: (b.status != "running", b is not current),
    )
    if current is not None and current.driver == "docker-container" and current.status == "running":
        return Item(
            2,
            "builder",
            title,
            Status.DONE,
            (
                _("Builder {name} (docker-container) is in use and running").format(
                    name=current.name
                ),
            ),
            create,
            Target.BUILDERS,
        )
    # The next steps for the builder to use: start it unless it runs, use it unless in use.
    steps = create
    target = Target.CREATE_BUILDER
    if containers:
        chosen = containers[0]
        steps = ()
        if chosen.status != "running":
            steps += (f"docker buildx inspect --bootstrap {chosen.name}",)
        if chosen is not current:
            steps += (f"docker buildx use {chosen.name}",)
        target = Target.BUILDERS
    store = obs.engine.image_store if obs.engine else None
    if (
        current is not None
        and current.driver == "docker"
        and store == "containerd"
        and obs.buildkit_image is False
        and not any(b.status == "running" for b in containers)
    ):
        return Item(
            2,
            "builder",
            title,
            Status.ACCEPTED,
            (
                _(
                    "Builder {name} (docker driver) is in use; the engine keeps images in the "
                    "containerd image store"
                ).format(name=current.name),
                _(
                    "The BuildKit image {image} is not in the engine: a docker-container "
                    "builder cannot start until it is pulled"
                ).format(image=BUILDKIT_IMAGE),
            ),
            steps,
            target,
            note=_(
                "Accepted instead: the docker driver runs the BuildKit built into dockerd. "
                "With the containerd image store it builds multi-platform images and "
                "exports registry caches too; unlike a docker-container builder it shares "
                "its cache with the engine and cannot be given its own BuildKit version "
                "or configuration."
            ),
        )
    if containers:
        chosen = containers[0]
        if chosen is current:
            note = _(
                "Builder {name} is in use but not running ({status}): b in the Builders "
                "pane starts it."
            ).format(name=chosen.name, status=chosen.status)
        elif chosen.status == "running":
            note = _("Builder {name} exists but is not in use: `docker buildx use {name}`.").format(
                name=chosen.name
            )
        else:
            note = _(
                "Builder {name} exists but is neither running ({status}) nor in use: u in "
                "the Builders pane starts it, then makes it the builder in use."
            ).format(name=chosen.name, status=chosen.status)
        return Item(2, "builder", title, Status.TODO, (), steps, Target.BUILDERS, note=note)
    return to_create(_("No docker-container builder yet."))


def registry_item(obs: Observations, _: Translate) -> Item:
    title = _("{container} runs with deletion enabled").format(container=obs.registry_container)
    commands = (
        f"{obs.cli} lab up",
        f"curl -sI http://{obs.registry_host}/v2/",
    )
    engine = obs.engine
    if engine is not None and engine.registry_up and engine.registry_delete_enabled:
        return Item(
            3,
            "registry",
            title,
            Status.DONE,
            (
                _("{url} answers; REGISTRY_STORAGE_DELETE_ENABLED=true").format(
                    url=engine.registry_url
                ),
            ),
            commands,
            Target.REGISTRY,
        )
    if engine is not None and engine.registry_up:
        note = _("The registry answers, but deletion is not enabled in {container}.").format(
            container=obs.registry_container
        )
    else:
        note = _("The registry at {host} does not answer.").format(host=obs.registry_host)
    return Item(3, "registry", title, Status.TODO, (), commands, Target.REGISTRY, note=note)
