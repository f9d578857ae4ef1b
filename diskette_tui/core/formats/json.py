"""Django's ``json`` serializer with the precise encoder (see the package's docstring)."""

from __future__ import annotations

from django.core.serializers import json as django_json

from .encoder import PreciseJSONEncoder

Deserializer = django_json.Deserializer


class Serializer(django_json.Serializer):
    """Django's JSON serializer, writing whole datetimes and times."""

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = PreciseJSONEncoder
