"""Django's ``jsonl`` serializer with the precise encoder (see the package's docstring)."""

from __future__ import annotations

from django.core.serializers import jsonl as django_jsonl

from .encoder import PreciseJSONEncoder

Deserializer = django_jsonl.Deserializer


class Serializer(django_jsonl.Serializer):
    """Django's JSON Lines serializer, writing whole datetimes and times."""

    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = PreciseJSONEncoder
