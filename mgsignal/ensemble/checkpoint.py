"""Checkpoints: finished chunks of an ensemble as Parquet files, so an interrupted run resumes.

A checkpoint folder holds ``manifest.json`` (a key that identifies the run: model hash,
samples, scenarios, features, time grid, tolerances) and one ``chunk-*.parquet`` per finished
chunk. Resuming skips every sample already stored, whatever the chunking was.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pandas as pd

from ..errors import InvalidInputError


class CheckpointStore:
    """Reads and writes the finished chunks of one ensemble run in ``folder``."""

    def __init__(self, folder: str | Path, *, key: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = self.folder / "manifest.json"
        if manifest.is_file():
            stored = json.loads(manifest.read_text(encoding="utf-8")).get("key")
            if stored != key:
                raise InvalidInputError(
                    f"checkpoint {self.folder} belongs to a different run (model, samples, scenarios, "
                    "features, time grid or tolerances differ); use another folder or delete it")
        else:
            manifest.write_text(json.dumps({"key": key}), encoding="utf-8")

    def load(self) -> pd.DataFrame | None:
        """All stored rows, or None when nothing is stored yet."""
        files = sorted(self.folder.glob("chunk-*.parquet"))
        if not files:
            return None
        return pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)

    def write(self, rows: pd.DataFrame) -> None:
        """Store one finished chunk atomically (a crash never leaves half a file)."""
        name = f"chunk-{uuid.uuid4().hex}.parquet"
        temporary = self.folder / f".{name}.tmp"
        rows.to_parquet(temporary, index=False)
        os.replace(temporary, self.folder / name)
