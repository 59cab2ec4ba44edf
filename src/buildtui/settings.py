"""One typed settings object: TOML file < BUILDTUI_* environment < command-line flags."""

from __future__ import annotations

import ipaddress
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from buildtui.i18n import N_, _
from buildtui.names import ClassRefError, echo, host_problem, is_loopback, parse_class_ref
from buildtui.private_files import write_private
from buildtui.untrusted import is_safe

APP_NAME = "buildtui"
ENV_PREFIX = "BUILDTUI_"


class SettingsError(Exception):
    """A settings file, variable or flag that cannot be used; the message says how to fix it."""


def config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    """Where the debug log goes (~/.local/state/buildtui on Linux)."""
    return Path(platformdirs.user_state_dir(APP_NAME))


LOG_LEVELS = ("off", "info", "debug")
LANGUAGES = ("en", "pl")


@dataclass(frozen=True)
class Settings:
    """Where the lab's registry and Docker engine are."""

    registry_url: str = "http://localhost:5000"
    """Base URL of the lab registry (registry7)."""
    registry_container: str = "registry7"
    """Name of the registry:2 container, for garbage collection and disk usage."""
    docker_context: str | None = None
    """Docker context to use (as `docker --context`); None means the CLI's current one."""
    docker_host: str | None = None
    """Docker daemon socket (as `docker --host`/DOCKER_HOST); None means the context's."""
    insecure_registries: tuple[str, ...] = field(default_factory=tuple)
    """Registry hosts reached over plain HTTP besides localhost/loopback."""
    certs_d: str | None = None
    """Docker's per-registry TLS directory (`<host[:port]>/ca.crt`) used instead of
    /etc/docker/certs.d and ~/.docker/certs.d (for tests, or a Docker configured elsewhere)."""
    log: str = "off"
    """Debug log in the state dir: off, info or debug (`--debug` is debug)."""
    theme: str | None = None
    """Textual theme; the app keeps the one chosen in the command palette here."""
    keymap: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """Key remaps by binding id (a `[keymap]` table: `"builders.create" = "c"`)."""
    language: str | None = None
    """The language of the app, the twins and the lab report, `en` or `pl`; None: from
    the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English."""
    student: str | None = None
    """The student's name, written at the top of the lab report (`lab report --student`)."""
    class_ref: str | None = None
    """The class's repository, `HOST[:PORT]/REPO`, where `lab submit` hands the lab in
    and `buildtui class` reads the submissions."""

    @property
    def ui_language(self) -> str:
        """`language`, or the locale's when it is not set."""
        if self.language is not None:
            return self.language
        from buildtui.i18n import language_from_locale

        return language_from_locale()

    @property
    def lab_language(self) -> str:
        """The lab report's language: the app's (`ui_language`)."""
        return self.ui_language

    @property
    def registry_host(self) -> str:
        """`host:port` of the lab registry, as image references spell it."""
        return urlsplit(self.registry_url).netloc

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with the given (already validated) values, ignoring None."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_FIELDS = {f.name: f for f in fields(Settings)}


def _validate(key: str, value: Any, origin: str) -> Any:
    if key not in _FIELDS:
        known = ", ".join(sorted(_FIELDS))
        raise SettingsError(
            _("{origin}: unknown setting {key!r}; known settings: {known}").format(
                origin=origin, key=key, known=known
            )
        )
    if key == "keymap":
        return _keymap(value, origin)
    if key == "log":
        if not isinstance(value, str) or value.strip().lower() not in LOG_LEVELS:
            raise SettingsError(
                _("{origin}: log must be one of {LOG_LEVELS}").format(
                    origin=origin, LOG_LEVELS=", ".join(LOG_LEVELS)
                )
            )
        return value.strip().lower()
    if key == "language":
        if not isinstance(value, str) or value.strip().lower() not in LANGUAGES:
            raise SettingsError(
                _("{origin}: language must be one of {LANGUAGES}").format(
                    origin=origin, LANGUAGES=", ".join(LANGUAGES)
                )
            )
        return value.strip().lower()
    if key == "insecure_registries":
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise SettingsError(
                _(
                    '{origin}: {key} must be a list of host:port strings, e.g. ["myhost:5000"]'
                ).format(origin=origin, key=key)
            )
        return tuple(value)
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(
            _("{origin}: {key} must be a non-empty string, got {value!r}").format(
                origin=origin, key=key, value=value
            )
        )
    value = value.strip()
    if key == "registry_url":
        value = _registry_url(value, origin)
    if key == "class_ref":
        try:
            value = str(parse_class_ref(value))
        except ClassRefError as error:
            raise SettingsError(f"{origin}: class_ref: {error}") from None
    if key == "docker_host" and "://" not in value:
        raise SettingsError(
            _(
                "{origin}: docker_host {value!r} needs a scheme, e.g. "
                "unix:///var/run/docker.sock or tcp://host:2375"
            ).format(origin=origin, value=value)
        )
    return value


URL_EXAMPLE = N_("use e.g. http://localhost:5000 or https://registry.example.com")


def _registry_url(value: str, origin: str) -> str:
    """`value` as the registry's base URL, `http(s)://host[:port]` (no scheme: http for
    loopback, https otherwise, as Docker does); one line saying what is wrong, else."""
    shown = f"{origin}: registry_url {echo(value)}"
    if not is_safe(value, one_line=True) or any(char.isspace() for char in value):
        raise SettingsError(
            _("{shown} holds spaces or control characters; {URL_EXAMPLE}").format(
                shown=shown, URL_EXAMPLE=_(URL_EXAMPLE)
            )
        )
    if "://" not in value:
        if _is_ipv6(value):  # `::1`: in brackets, as URLs and image references spell it
            value = f"[{value}]"
        value = f"http://{value}" if is_loopback(value) else f"https://{value}"
    scheme, _unused, rest = value.partition("://")
    if scheme.lower() not in ("http", "https"):
        raise SettingsError(
            _("{shown} is not an http or https URL; {URL_EXAMPLE}").format(
                shown=shown, URL_EXAMPLE=_(URL_EXAMPLE)
            )
        )
    hostport = rest.rstrip("/")
    if any(char in hostport for char in "/?#@"):
        raise SettingsError(
            _(
                "{shown} has more than a host and port (a path, user or query); {URL_EXAMPLE}"
            ).format(shown=shown, URL_EXAMPLE=_(URL_EXAMPLE))
        )
    problem = host_problem(hostport)
    if problem is not None:
        raise SettingsError(f"{shown}: {problem}; {URL_EXAMPLE}")
    return f"{scheme.lower()}://{hostport}"


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


QUIT_KEY = "ctrl+q"
"""Textual's key that quits the app; its binding has no id, so a keymap cannot move it."""


def _keymap(value: Any, origin: str) -> tuple[tuple[str, str], ...]:
    """The `[keymap]` table as (binding id, keys) pairs; refused when it is not a table of
    strings, names an empty key, or takes the key that quits (no way out of the app)."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise SettingsError(
            _(
                '{origin}: keymap must be a table of binding id = "keys", e.g. '
                '[keymap] followed by "builders.create" = "c"'
            ).format(origin=origin)
        )
    pairs = []
    for binding_id, keys in sorted(value.items()):
        names = [name.strip() for name in keys.split(",")]
        if not all(names):
            raise SettingsError(
                _(
                    "{origin}: keymap {binding_id!r} = {keys!r} names an empty key; "
                    'separate keys with commas, e.g. "c,ctrl+n"'
                ).format(origin=origin, binding_id=binding_id, keys=keys)
            )
        if QUIT_KEY in (name.lower() for name in names):
            raise SettingsError(
                _(
                    "{origin}: keymap {binding_id!r} = {keys!r} takes {QUIT_KEY}, the "
                    "only key that quits buildtui, and would leave no way out of the "
                    "app; give {binding_id!r} another key"
                ).format(origin=origin, binding_id=binding_id, keys=keys, QUIT_KEY=QUIT_KEY)
            )
        pairs.append((binding_id, ",".join(names)))
    return tuple(pairs)


def load_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import tomllib  # only with a settings file: its import compiles regexes (~5 ms)

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(
            _("{path}: cannot read the settings file: {error}").format(path=path, error=error)
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            _("{path}: not valid TOML: {error}").format(path=path, error=error)
        ) from error
    return {key: _validate(key, value, str(path)) for key, value in data.items()}


ENV_SETTINGS = tuple(name for name in _FIELDS if name != "keymap")
"""Settings a BUILDTUI_* variable can set (the keymap is a table: only in the file)."""


def load_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The BUILDTUI_* variables that name a setting; any other BUILDTUI_* name is not ours
    to refuse (see `ignored_env`)."""
    values = {}
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX):
            key = name[len(ENV_PREFIX) :].lower()
            if key in ENV_SETTINGS:
                values[key] = _validate(
                    key, value, _("environment variable {name}").format(name=name)
                )
    return values


def ignored_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """BUILDTUI_* variables that set nothing (a typo, say); the doctor lists them."""
    environ = os.environ if environ is None else environ
    prefix = len(ENV_PREFIX)
    return sorted(
        name
        for name in environ
        if name.startswith(ENV_PREFIX) and name[prefix:].lower() not in ENV_SETTINGS
    )


def save_setting(key: str, value: str, path: Path | None = None) -> Path:
    """Write one top-level string setting into the TOML file, keeping everything else."""
    import json

    _validate(key, value, _("saved setting"))
    path = config_path() if path is None else path
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    line = f"{key} = {json.dumps(value)}"  # a JSON string is a valid TOML basic string
    top = next((i for i, text in enumerate(lines) if text.lstrip().startswith("[")), len(lines))
    for index in range(top):
        name = lines[index].split("=", 1)[0].strip()
        if "=" in lines[index] and name == key:
            lines[index] = line
            break
    else:
        lines.insert(top, line)
    # The config file may be a link the user made (dotfiles): refused, never followed.
    write_private(path, "\n".join(lines) + "\n", links="refuse")
    return path


FLAGS = {
    "registry_url": "--registry",
    "docker_context": "--context",
    "docker_host": "--host",
    "log": "--debug",
}
"""The command-line flag of a setting, where its name is not `--<setting>`."""


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Settings from the TOML file, then BUILDTUI_* variables, then flags (None = not given)."""
    path = config_path() if path is None else path
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(load_file(path))
    merged.update(load_env(environ))
    for key, value in (flags or {}).items():
        if value is not None:
            flag = FLAGS.get(key, f"--{key.replace('_', '-')}")
            merged[key] = _validate(key, value, f"flag {flag}")
    return Settings().with_overrides(merged)


def cli_prefix(settings: Settings) -> str:
    """`buildtui` with the flags that reach this registry and container, when they are not
    the defaults: a command the plan proposes then works pasted as it stands."""
    default = Settings()
    argv = ["buildtui"]
    if settings.registry_url != default.registry_url:
        argv += ["--registry", settings.registry_url]
    if settings.registry_container != default.registry_container:
        argv += ["--registry-container", settings.registry_container]
    if settings.docker_context:
        argv += ["--context", settings.docker_context]
    if settings.docker_host:
        argv += ["--host", settings.docker_host]
    return shlex.join(argv)
