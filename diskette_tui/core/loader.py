"""The restore side's public names, kept at their old address (see :mod:`.restore`)."""

from __future__ import annotations

from .requests import STORAGE_MODES, LoadRequest
from .restore import DataLoadPlan, Loader, LoadPlan, LoadResult, StorageLoadPlan

__all__ = [
    "STORAGE_MODES",
    "DataLoadPlan",
    "LoadPlan",
    "LoadRequest",
    "LoadResult",
    "Loader",
    "StorageLoadPlan",
]
