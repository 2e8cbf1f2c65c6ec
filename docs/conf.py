"""Sphinx configuration of the mgsignal documentation (build: see docs/README.md)."""

from __future__ import annotations

import importlib.util
import os
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SUNLOGGER_WARNING_FILENAME", os.devnull)  # CVODE's step-size notes (harmless)

project = "mgsignal"
author = "the mgsignal developers"
copyright = "mgsignal developers, MIT licence"
try:
    release = _version("mgsignal")
except PackageNotFoundError:  # building from a source tree without the package installed
    release = "unknown"

extensions = [
    "myst_nb",  # Markdown pages (MyST) and the committed notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_click",
    "mgsignal_docs",  # generated tables, figures and notebook copies (docs/_ext/mgsignal_docs.py)
]

# notebooks are shown as committed (executed, with their outputs); never run while building
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# generated tables are included into pages, not pages of their own
exclude_patterns = ["_build", "README.md", "**.ipynb_checkpoints", "_ext", "generated/parameters/*",
                    "generated/reproductions/*", "generated/scenarios.md"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

autodoc_default_options = {"members": True, "member-order": "bysource", "show-inheritance": False}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autosummary_generate = False
napoleon_google_docstring = True
napoleon_numpy_docstring = True

html_theme = "furo"
html_title = f"mgsignal {release}"
html_static_path: list[str] = []

# the export layer's libraries are mocked only where they are not installed
autodoc_mock_imports = [name for name in ("petab", "libsedml", "libcombine") if importlib.util.find_spec(name) is None]
