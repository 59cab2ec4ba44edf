"""The clean-up service's pure helpers: the command line its proposed commands start with."""

from __future__ import annotations

from buildtui.settings import Settings, cli_prefix


def test_proposed_commands_carry_the_flags_that_reach_a_non_default_registry() -> None:
    assert cli_prefix(Settings()) == "buildtui"
    assert (
        cli_prefix(Settings(registry_url="http://localhost:5001", registry_container="reg b"))
        == "buildtui --registry http://localhost:5001 --registry-container 'reg b'"
    )
    assert cli_prefix(Settings(docker_context="lab")) == "buildtui --context lab"
