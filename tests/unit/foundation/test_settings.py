from __future__ import annotations

import os
from pathlib import Path

import pytest

from buildtui.private_files import make_private
from buildtui.settings import Settings, SettingsError, config_path, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_labs_registry7(tmp_path: Path) -> None:
    settings = load_settings(environ={}, path=tmp_path / "missing.toml")
    assert settings == Settings()
    assert settings.registry_url == "http://localhost:5000"
    assert settings.registry_container == "registry7"
    assert settings.registry_host == "localhost:5000"


def test_precedence_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'registry_url = "http://file:5000"\nregistry_container = "from-file"\n'
        'docker_context = "file-ctx"\n',
    )
    environ = {"BUILDTUI_REGISTRY_URL": "http://env:5000", "BUILDTUI_DOCKER_CONTEXT": "env-ctx"}
    flags = {"registry_url": "http://flag:5000", "docker_context": None}
    settings = load_settings(flags, environ=environ, path=path)
    assert settings.registry_url == "http://flag:5000"
    assert settings.docker_context == "env-ctx"
    assert settings.registry_container == "from-file"


def test_unknown_key_in_file_names_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, 'registry = "http://x:5000"\n')
    with pytest.raises(SettingsError) as error:
        load_settings(environ={}, path=path)
    assert "unknown setting 'registry'" in str(error.value)
    assert "registry_url" in str(error.value)
    assert str(path) in str(error.value)


def test_a_variable_naming_no_setting_is_ignored_but_a_bad_value_is_refused(
    tmp_path: Path,
) -> None:
    # Only BUILDTUI_* names that are settings are checked (the doctor lists the others).
    assert load_settings(environ={"BUILDTUI_REGISTRY": "x"}, path=tmp_path / "none.toml") == (
        Settings()
    )
    with pytest.raises(SettingsError, match="BUILDTUI_REGISTRY_URL"):
        load_settings(environ={"BUILDTUI_REGISTRY_URL": "ftp://x"}, path=tmp_path / "none.toml")


def test_bad_toml_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "registry_url = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(environ={}, path=path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("localhost:5000", "http://localhost:5000"),
        ("127.0.0.1:5001/", "http://127.0.0.1:5001"),
        ("registry.example.com", "https://registry.example.com"),
        ("https://r.example.com:443", "https://r.example.com:443"),
    ],
)
def test_registry_url_without_scheme_follows_dockers_rule(
    tmp_path: Path, value: str, expected: str
) -> None:
    settings = load_settings({"registry_url": value}, environ={}, path=tmp_path / "none.toml")
    assert settings.registry_url == expected


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("registry_url", "ftp://x", "is not an http or https URL"),
        ("registry_container", "", "non-empty string"),
        ("docker_host", "/var/run/docker.sock", "needs a scheme"),
        ("insecure_registries", 5, "list of host:port"),
    ],
)
def test_bad_values_get_actionable_messages(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({key: value}, environ={}, path=tmp_path / "none.toml")


def test_insecure_registries_from_environment_is_a_comma_list(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"BUILDTUI_INSECURE_REGISTRIES": "a:5000, b:5001"}, path=tmp_path / "none.toml"
    )
    assert settings.insecure_registries == ("a:5000", "b:5001")


def test_config_file_lives_in_the_platform_config_dir(isolated_dirs: Path) -> None:
    assert config_path() == isolated_dirs / "config" / "buildtui" / "config.toml"


def test_a_journal_that_ends_while_the_files_are_made_private_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two panes open the build history at once: one's transaction ends (sqlite deletes
    # its journal) just as the other makes the files private.
    path = tmp_path / "data" / "history.sqlite3"
    journal = path.with_name(path.name + "-journal")
    journal.parent.mkdir(parents=True)
    journal.write_bytes(b"")
    chmod = os.chmod

    def commit_first(target: str | os.PathLike[str], mode: int) -> None:
        if str(target) == str(journal):
            journal.unlink()  # the other thread's commit
        chmod(target, mode)

    monkeypatch.setattr(os, "chmod", commit_first)
    make_private(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
