"""Checkpoints: finished chunks of an ensemble as Parquet files, so an interrupted run resumes.

A checkpoint folder holds ``manifest.json`` (a key that identifies the run: model hash,
samples, scenarios, features, time grid, tolerances) and one ``chunk-*.parquet`` per finished
chunk, which carries the same key in its metadata. Resuming skips every sample already stored,
whatever the chunking was.

Every file is written whole or not at all (:func:`atomic_write`). A file that cannot be read
anyway (a disk that failed, a copy cut short) is reported by name, set aside as ``*.corrupt``,
and its samples are run again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InvalidInputError, MgSignalError

#: a checkpoint folder needs at least this much free space when a run starts
MIN_FREE_BYTES = 16 * 2**20
#: key of the run in each chunk file's Parquet metadata
KEY_FIELD = b"mgsignal_run_key"


class CheckpointStore:
    """Reads and writes the finished chunks of one ensemble run in ``folder``.

    Args:
        folder: the checkpoint folder (made when missing).
        key: identifies the run; a folder made by another run is refused.
        columns: the columns every stored chunk must have.

    Raises:
        InvalidInputError: ``folder`` is a file, cannot be written, has too little free space,
            or belongs to another run; all checked before any run.
    """

    def __init__(self, folder: str | Path, *, key: str, columns: Sequence[str]):
        self.folder = Path(folder)
        self.key = key
        self.columns = tuple(columns)
        self.set_aside: list[str] = []  # names of the files found unreadable
        check_folder(self.folder)
        remove_temporaries(self.folder)
        self.trusted = self._open_manifest()

    def _open_manifest(self) -> bool:
        """Check or write ``manifest.json``; False when chunks found here cannot be told to be
        this run's by the manifest (it was missing or unreadable)."""
        manifest = self.folder / "manifest.json"
        stored = None
        if manifest.exists():
            try:
                stored = json.loads(manifest.read_text(encoding="utf-8"))["key"]
            except (OSError, ValueError, KeyError, TypeError) as error:
                self._set_aside(manifest, error)
        if stored is not None and stored != self.key:
            raise InvalidInputError(
                f"checkpoint {self.folder} belongs to a different run (model, samples, scenarios, "
                "features, time grid or tolerances differ); use another folder or delete it")
        if stored is None:
            self._write(manifest, lambda handle: handle.write(json.dumps({"key": self.key}).encode()))
        return stored is not None

    def load(self) -> pd.DataFrame | None:
        """All stored rows of this run, or None when nothing is stored yet; unreadable chunk
        files are set aside (their samples are run again)."""
        parts = [part for path in sorted(self.folder.glob("chunk-*.parquet")) if (part := self._read(path)) is not None]
        return pd.concat(parts, ignore_index=True) if parts else None

    def write(self, rows: pd.DataFrame) -> None:
        """Store one finished chunk atomically (a crash never leaves half a file).

        Raises:
            MgSignalError: the file could not be written (e.g. the disk is full); what is
                stored so far stays usable, and a rerun resumes from it.
        """
        table = pa.Table.from_pandas(rows, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), KEY_FIELD: self.key.encode()})
        self._write(self.folder / f"chunk-{uuid.uuid4().hex}.parquet", lambda handle: pq.write_table(table, handle))

    def _write(self, path: Path, write: Callable[[BinaryIO], object]) -> None:
        try:
            atomic_write(path, write)
        except OSError as error:
            stored = len(list(self.folder.glob("chunk-*.parquet")))
            raise MgSignalError(
                f"could not write {path} ({error.strerror or error}); the {stored} chunk files stored in "
                f"{self.folder} are whole: free space (or fix the folder) and run again to resume") from error

    def _read(self, path: Path) -> pd.DataFrame | None:
        try:
            table = pq.read_table(path)
            key = (table.schema.metadata or {}).get(KEY_FIELD)
            if (key is None and not self.trusted) or (key is not None and key.decode() != self.key):
                raise ValueError("it was written by another run")  # or cannot be told not to be
            rows = table.to_pandas()
            missing = [c for c in ("scenario", "sample", *self.columns, "error") if c not in rows.columns]
            if missing:
                raise ValueError(f"columns {missing} are missing")
        except (OSError, ValueError, pa.ArrowException) as error:
            self._set_aside(path, error)
            return None
        return rows

    def _set_aside(self, path: Path, error: BaseException) -> None:
        """Rename an unreadable file to ``*.corrupt`` and say so."""
        target = path.with_name(f"{path.name}.corrupt")
        if target.exists():
            target = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.corrupt")
        os.replace(path, target)
        self.set_aside.append(path.name)
        warnings.warn(f"checkpoint file {path} is unreadable ({' '.join(str(error).split())[:200]}); set aside as "
                      f"{target.name}, its samples are run again", RuntimeWarning, stacklevel=4)


def check_folder(folder: Path) -> None:
    """Make ``folder`` if needed; refuse a file, a folder that cannot be written, or one on a
    disk with less than :data:`MIN_FREE_BYTES` free."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInputError(f"checkpoint {folder} is a file, not a folder; give a folder (it is made if missing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".probe-", suffix=".tmp")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise InvalidInputError(f"checkpoint folder {folder} cannot be written ({error.strerror or error}); "
                                "give a folder you can write to") from error
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise InvalidInputError(f"checkpoint folder {folder} is on a disk with {free / 2**20:.1f} MB free "
                                f"(at least {MIN_FREE_BYTES // 2**20} MB needed); free space or give another folder")


def remove_temporaries(folder: Path) -> None:
    """Remove the temporary files (``.*.tmp``) that writes cut short left in ``folder``."""
    for path in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            path.unlink()


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file whole or not at all: ``write(handle)`` fills a temporary file in the same
    folder, which is flushed to disk and renamed over ``path``; on failure it is removed and
    ``path`` is untouched."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (the rename) to disk, where the system allows it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

