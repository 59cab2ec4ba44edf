"""The engine's insecure registries as `docker info` reports them (RegistryConfig)."""

from __future__ import annotations

from buildtui.engine.registries import EngineRegistries

CONFIG = {
    "IndexConfigs": {
        "docker.io": {"Name": "docker.io", "Secure": True, "Official": True, "Mirrors": []},
        "Lab.Example:5000": {"Name": "Lab.Example:5000", "Secure": False, "Mirrors": []},
        "plain.example": {"Name": "plain.example", "Secure": False, "Mirrors": []},
    },
    "InsecureRegistryCIDRs": ["127.0.0.0/8", "10.20.0.0/16", "not a cidr"],
}


def test_names_with_secure_false_ignoring_case() -> None:
    registries = EngineRegistries.from_registry_config(CONFIG)
    assert registries.names == {"lab.example:5000", "plain.example"}
    assert registries.is_insecure("LAB.example:5000")
    assert registries.is_insecure("plain.example")
    assert not registries.is_insecure("plain.example:443")  # docker's names are exact
    assert not registries.is_insecure("lab.example:6000")
    assert not registries.is_insecure("docker.io")


def test_addresses_in_the_insecure_cidrs() -> None:
    registries = EngineRegistries.from_registry_config(CONFIG)
    assert [str(c) for c in registries.cidrs] == ["127.0.0.0/8", "10.20.0.0/16"]
    assert registries.is_insecure("10.20.3.4:5000")
    assert registries.is_insecure("[::ffff:10.20.3.4]:5000") is False  # another family
    assert not registries.is_insecure("10.21.0.1:5000")


def test_nothing_is_insecure_without_a_config() -> None:
    assert not EngineRegistries.from_registry_config(None).is_insecure("10.20.3.4:5000")
    assert not EngineRegistries.from_registry_config({"IndexConfigs": []}).names
