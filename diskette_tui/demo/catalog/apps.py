"""Application config of the demo catalog."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Products, their categories and tags (label ``catalog``)."""

    name = "diskette_tui.demo.catalog"
    label = "catalog"
    verbose_name = "Shop catalog"
