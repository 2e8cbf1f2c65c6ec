"""Which kind of model file is this, and where do the shipped models live.

The one place that decides how a file becomes SBML: ``.ant`` (or ``.txt``) is an Antimony
module, ``.toml`` a composite description, ``.xml``/``.sbml`` an SBML document.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import ModelBuildError, UnknownIdError
from .compose import build_composite, composite_parameter_table
from .parameters import read_parameter_table
from .sbml import build_module, read_text, sbml_problems

ANTIMONY, COMPOSITE, SBML = "antimony", "composite", "sbml"
SUFFIXES = {".ant": ANTIMONY, ".txt": ANTIMONY, ".toml": COMPOSITE, ".xml": SBML, ".sbml": SBML}


def file_kind(path: str | Path) -> str:
    """``"antimony"``, ``"composite"`` or ``"sbml"`` from the file name.

    Raises:
        ModelBuildError: for any other suffix (the message lists the accepted ones).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ModelBuildError([f"{path}: not a model file: expected one of {', '.join(SUFFIXES)}"])
    return SUFFIXES[suffix]


def build(path: str | Path) -> str:
    """SBML text of a model file, validated: an Antimony module or a composite is built and
    refused unless libsbml reports zero errors and zero warnings (unit checks on); an SBML file
    is read as it is and must hold a model.

    Raises:
        ModelBuildError: one line per problem, each naming the file and, when known, the line.
    """
    path = Path(path)
    kind = file_kind(path)
    if not path.exists():
        raise ModelBuildError([f"{path}: no such file"])
    if kind == ANTIMONY:
        return build_module(path)
    if kind == COMPOSITE:
        return build_composite(path)
    text = read_text(path)
    missing = [p for p in sbml_problems(text, source=path) if "no <model> element" in p or "defines nothing" in p]
    if missing:
        raise ModelBuildError(missing)
    return text


def validate_file(path: str | Path) -> list[str]:
    """Check a model file; return one line per problem (empty when valid). Antimony modules
    and composites are built as by :func:`build`; SBML files get the same libsbml checks."""
    path = Path(path)
    if not path.is_file():
        return [f"{path}: is a folder, not a model file" if path.is_dir() else f"{path}: no such file"]
    try:
        if file_kind(path) == SBML:
            return sbml_problems(read_text(path), source=path)
        build(path)
    except ModelBuildError as error:
        return error.problems
    return []


def parameter_table(path: str | Path) -> pd.DataFrame:
    """Value, unit and source of every value of a module (``.ant``) or composite (``.toml``)."""
    path = Path(path)
    kind = file_kind(path)
    if kind == SBML:
        raise ModelBuildError([f"{path}: parameter tables are read from Antimony modules and composites, not SBML"])
    return composite_parameter_table(path) if kind == COMPOSITE else read_parameter_table(path)


def models_dir() -> Path:
    """The folder holding the shipped Antimony modules and their SBML (installed copy or source tree)."""
    installed = Path(str(resources.files("mgsignal"))) / "models"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent.parent / "models"


def available_models() -> list[str]:
    """Names of the shipped models: one per Antimony module and one per composite."""
    return sorted(path.stem for pattern in ("*.ant", "*.toml") for path in models_dir().glob(pattern))


def model_source(name: str) -> Path:
    """The file a shipped model is built from (its ``.ant`` module or ``.toml`` composite)."""
    for suffix in (".ant", ".toml"):
        candidate = models_dir() / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise UnknownIdError(str(name), available_models(), what="model", where="mgsignal")


def model_file(name_or_path: str | Path) -> Path:
    """A model file from a shipped model's name or a path (whose suffix says its kind)."""
    path = Path(name_or_path)
    if path.is_dir():
        raise ModelBuildError([f"{path}: is a folder, not a model file"])
    if path.suffix.lower() in SUFFIXES:
        if not path.exists():
            raise ModelBuildError([f"{path}: no such file"])
        if path.is_dir():
            raise ModelBuildError([f"{path}: is a folder, not a model file"])
        return path
    return model_source(str(name_or_path))
