"""Screens of the Textual apps, one per module (modals included)."""

from .archive import ArchiveScreen
from .confirm import ConfirmationModal
from .error import ErrorScreen
from .load_confirm import LoadConfirmation
from .loaded import LoadedScreen
from .loading import LoadingScreen
from .preview import PreviewScreen
from .result import ResultScreen
from .write_confirm import WriteConfirmation, describe_write
from .writing import WritingScreen

__all__ = [
    "ArchiveScreen",
    "ConfirmationModal",
    "ErrorScreen",
    "LoadConfirmation",
    "LoadedScreen",
    "LoadingScreen",
    "PreviewScreen",
    "ResultScreen",
    "WriteConfirmation",
    "WritingScreen",
    "describe_write",
]
