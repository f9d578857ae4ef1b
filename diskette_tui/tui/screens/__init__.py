"""Screens of the preview app."""

from .confirm import ConfirmationModal, describe_write
from .error import ErrorScreen
from .preview import PreviewScreen
from .progress import WritingScreen
from .result import ResultScreen

__all__ = [
    "ConfirmationModal",
    "ErrorScreen",
    "PreviewScreen",
    "ResultScreen",
    "WritingScreen",
    "describe_write",
]
