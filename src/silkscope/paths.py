"""Where silkscope finds data that does not ship with the package."""

from __future__ import annotations

import os
from pathlib import Path

from silkscope.errors import DataUnavailableError

SHARED_DATA_ENV = "SILKSCOPE_SHARED_DATA"
PACKAGE_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = PACKAGE_DIR / "reference"


def shared_data_dir() -> Path:
    """The folder of real public data sets: $SILKSCOPE_SHARED_DATA, else ../shared/data.

    The default is resolved from the current directory and, failing that, from the source
    checkout (``<repo>/../shared/data``), so tests run from anywhere in the checkout.
    """
    env = os.environ.get(SHARED_DATA_ENV)
    if env:
        return Path(env)
    candidates = [Path.cwd() / ".." / "shared" / "data"]
    candidates += [parent / ".." / "shared" / "data" for parent in PACKAGE_DIR.parents[:3]]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    return candidates[0]


def shared_data_file(*parts: str) -> Path:
    """A file under the shared data folder, or a DataUnavailableError saying how to point to it."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        raise DataUnavailableError(
            f"{path} not found; set {SHARED_DATA_ENV} to the folder that holds the shared data sets"
        )
    return path
