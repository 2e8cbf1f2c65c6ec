"""Provenance recorded with every result: model, model hash, scenario, package versions."""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Model
    from .scenario import Scenario

PACKAGES = ("mgsignal", "libroadrunner", "antimony", "python-libsbml", "numpy", "pandas")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(model: Model, scenario: Scenario | None, **extra: Any) -> dict[str, Any]:
    """The ``.attrs`` entries that say where a result came from."""
    return {
        "model": model.name,
        "model_sha256": model.sha256,
        "scenario": scenario.to_dict() if scenario is not None else None,
        "versions": package_versions(),
        **extra,
    }
