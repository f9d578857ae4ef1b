"""diskette-tui: preview, dump and restore a Django project's data and media."""

__version__ = "0.1.0"
