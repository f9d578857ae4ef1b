"""The restore side: plan a load from a request, then load data and storages from an archive.

- :mod:`.plan`: the values (:class:`LoadPlan` and its parts, :class:`LoadResult`);
- :mod:`.targets`: what restoring a storage changes at its target;
- :mod:`.staging`: extraction into temporary folders, digest checks;
- :mod:`.apply`: the transaction and ``loaddata``, swapping or merging folders in;
- :mod:`.loader`: :class:`Loader`, gluing them.

Django is imported only when data is loaded (:mod:`.apply`).
"""

from __future__ import annotations

from ..requests import STORAGE_MODES, LoadRequest
from .loader import Loader
from .plan import DataLoadPlan, LoadPlan, LoadResult, StorageLoadPlan

__all__ = [
    "STORAGE_MODES",
    "DataLoadPlan",
    "LoadPlan",
    "LoadRequest",
    "LoadResult",
    "Loader",
    "StorageLoadPlan",
]
