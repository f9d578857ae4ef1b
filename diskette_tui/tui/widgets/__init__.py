"""Widgets of the preview app, one per module."""

from .definition_detail import DefinitionDetail
from .definition_list import DefinitionList
from .key_footer import KeyFooter
from .scan_status import ScanStatus
from .storage_tree import StorageTree
from .summary_bar import SummaryBar

__all__ = [
    "DefinitionDetail",
    "DefinitionList",
    "KeyFooter",
    "ScanStatus",
    "StorageTree",
    "SummaryBar",
]
