"""Models of the round-trip types app."""

from django.db import models


class Label(models.Model):
    """A label that samples link to (many-to-many)."""

    name = models.CharField(max_length=50, unique=True)


class Sample(models.Model):
    """One row of every awkward type."""

    id = models.UUIDField(primary_key=True)
    token = models.UUIDField(null=True)
    amount = models.DecimalField(max_digits=12, decimal_places=4)
    payload = models.JSONField(null=True)
    happened = models.DateTimeField()
    day = models.DateField()
    ratio = models.FloatField()
    big = models.BigIntegerField()
    text = models.TextField(blank=True)
    labels = models.ManyToManyField(Label, blank=True, related_name="samples")
