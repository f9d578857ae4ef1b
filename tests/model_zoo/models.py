"""The model zoo: every field type Django ships, and the relations dumpdata must get right.

The fast data path (diskette_tui/core/fastdump.py) is compared with ``dumpdata``
on these models, object for object and byte for byte.
"""

import uuid

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models


class TagManager(models.Manager):
    """Looks tags up by natural key."""

    def get_by_natural_key(self, name):
        return self.get(name=name)


class Tag(models.Model):
    """A natural-keyed many-to-many target; no ordering (the database's order)."""

    name = models.CharField(max_length=50, unique=True)
    objects = TagManager()

    def natural_key(self):
        return (self.name,)


class Color(models.Model):
    """A many-to-many target with its own ordering (descending name)."""

    name = models.CharField(max_length=30)

    class Meta:
        ordering = ["-name"]


class CategoryManager(models.Manager):
    """Looks categories up by natural key."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Category(models.Model):
    """Self reference (a tree), natural key."""

    slug = models.SlugField(unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE)
    objects = CategoryManager()

    def natural_key(self):
        return (self.slug,)


class Stamped(models.Model):
    """Abstract base: its fields land in each child's table."""

    created = models.DateTimeField()
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


class Everything(Stamped):
    """One column of every built-in field type (nullable ones hold nulls too)."""

    big = models.BigIntegerField(null=True)
    small = models.SmallIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    positive_big = models.PositiveBigIntegerField(default=0)
    positive_small = models.PositiveSmallIntegerField(default=0)
    integer = models.IntegerField(null=True)
    flag = models.BooleanField(default=False)
    maybe = models.BooleanField(null=True)
    char = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True, null=True)
    slug = models.SlugField(blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField(blank=True)
    ip = models.GenericIPAddressField(null=True)
    path = models.FilePathField(path="/tmp", blank=True)
    ratio = models.FloatField(null=True)
    amount = models.DecimalField(max_digits=14, decimal_places=4, null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    clock = models.TimeField(null=True)
    span = models.DurationField(null=True)
    token = models.UUIDField(null=True)
    blob = models.BinaryField(null=True)
    payload = models.JSONField(null=True)
    document = models.FileField(upload_to="docs", blank=True, null=True)
    picture = models.ImageField(upload_to="pics", blank=True)
    category = models.ForeignKey(Category, null=True, on_delete=models.SET_NULL)


class Item(models.Model):
    """UUID key; FK by natural key; many-to-many auto, ordered, self and through."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=100)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="items")
    tags = models.ManyToManyField(Tag, blank=True)
    colors = models.ManyToManyField(Color, blank=True)
    related = models.ManyToManyField("self", blank=True)
    parts = models.ManyToManyField("Part", through="Assembly", blank=True)
    notes = GenericRelation("Note")


class Part(models.Model):
    """Target of the many-to-many with a ``through`` model (dumpdata skips that field)."""

    code = models.CharField(max_length=20, primary_key=True)


class Assembly(models.Model):
    """The ``through`` model: dumped as its own rows."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    part = models.ForeignKey(Part, on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField(default=1)


class Note(models.Model):
    """Generic foreign key (content type + object id)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    body = models.TextField()


class ItemProxy(Item):
    """A proxy: dumpdata does not serialize it."""

    class Meta:
        proxy = True


class PlaceManager(models.Manager):
    """Looks places up by natural key."""

    def get_by_natural_key(self, name):
        return self.get(name=name)


class Place(models.Model):
    """Multi-table inheritance parent; natural key."""

    name = models.CharField(max_length=50, unique=True)
    objects = PlaceManager()

    def natural_key(self):
        return (self.name,)


class Restaurant(Place):
    """Multi-table inheritance child: pk is the parent link."""

    serves_pizza = models.BooleanField(default=False)
    regulars = models.ManyToManyField(Tag, blank=True, related_name="restaurants")


class VisibleManager(models.Manager):
    """The default manager hides hidden rows (dumpdata --all shows them)."""

    def get_queryset(self):
        return super().get_queryset().filter(hidden=False)


class Shelf(models.Model):
    """Custom default manager; its rows are a many-to-many target of Box."""

    hidden = models.BooleanField(default=False)
    objects = VisibleManager()


class Box(models.Model):
    """Many-to-many to a model whose default manager filters: Django's serializer path."""

    shelves = models.ManyToManyField(Shelf, blank=True)


class Shouty(models.CharField):
    """A custom field: the fast path hands its model to Django's serializer."""

    def value_to_string(self, obj):
        return str(self.value_from_object(obj)).upper()


class Custom(models.Model):
    """Holds a custom field."""

    word = Shouty(max_length=20)


class PersonManager(models.Manager):
    """Looks people up by natural key (their name and their home's)."""

    def get_by_natural_key(self, name, home):
        return self.get(name=name, home__name=home)


class Person(models.Model):
    """Natural key spanning a relation, with a declared dependency."""

    name = models.CharField(max_length=50)
    home = models.ForeignKey(Place, on_delete=models.CASCADE)
    friends = models.ManyToManyField("self", symmetrical=False, blank=True)
    objects = PersonManager()

    class Meta:
        unique_together = [("name", "home")]

    def natural_key(self):
        return (self.name, *self.home.natural_key())

    natural_key.dependencies = ["model_zoo.place"]


class Visit(models.Model):
    """Foreign keys to natural-keyed models (one nullable, one to a spanning key)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    place = models.ForeignKey(Place, null=True, on_delete=models.SET_NULL)
    when = models.DateTimeField()
    dangling = models.ForeignKey(
        Tag, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )


class Step(models.Model):
    """``order_with_respect_to``: the hidden ``_order`` column is dumped too."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="steps")
    text = models.CharField(max_length=50)

    class Meta:
        order_with_respect_to = "item"
