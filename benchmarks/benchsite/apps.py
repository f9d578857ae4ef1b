"""App configuration of the benchmark project."""

from django.apps import AppConfig


class BenchsiteConfig(AppConfig):
    """The benchmark shop; its tables are created with ``migrate --run-syncdb``."""

    name = "benchsite"
    default_auto_field = "django.db.models.BigAutoField"
