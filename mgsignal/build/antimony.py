"""Antimony text -> SBML text: the only module that touches libantimony."""

from __future__ import annotations

import re
from pathlib import Path

import antimony

from ..errors import ModelBuildError

_LINE = re.compile(r"line (\d+)")


def antimony_to_sbml(text: str, *, path: Path) -> str:
    """Translate one Antimony model to SBML (libantimony's default level and version).

    Raises:
        ModelBuildError: on a syntax or model error (with ``file:line`` when Antimony names the
            line), on any Antimony warning, and when the text defines no model at all.
    """
    antimony.clearPreviousLoads()
    if antimony.loadAntimonyString(text) < 0:
        message = " ".join(antimony.getLastError().split())
        match = _LINE.search(message)
        line = f":{match.group(1)}" if match else ""
        raise ModelBuildError([f"{path}{line}: antimony error: {_undefined_hint(message)}"])
    warnings = antimony.getWarnings() or ""
    if warnings.strip():
        raise ModelBuildError([f"{path}: antimony warning: {' '.join(warnings.split())}"])
    main = antimony.getMainModuleName()
    if not main or not text.strip():
        raise ModelBuildError([f"{path}: empty file: no model defined"])
    return antimony.getSBMLString(main)


def _undefined_hint(message: str) -> str:
    """Antimony reports a symbol it cannot resolve in several ways; say 'undefined' plainly."""
    if "unable to find" in message.lower() or "not defined" in message.lower():
        return f"undefined symbol: {message}"
    return message
