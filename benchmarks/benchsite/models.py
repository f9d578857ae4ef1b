"""A small shop: integer and UUID keys, FK, M2M with and without ``through``,
natural keys, JSON, decimals, datetimes and a generic relation."""

import uuid

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models


class NamedManager(models.Manager):
    """Looks rows up by their unique ``name`` (their natural key)."""

    def get_by_natural_key(self, name):
        return self.get(name=name)


class Category(models.Model):
    """A tree of categories; natural key: its name."""

    name = models.CharField(max_length=80, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE)
    objects = NamedManager()

    def natural_key(self):
        return (self.name,)


class Tag(models.Model):
    """A label of products; natural key: its name."""

    name = models.CharField(max_length=40, unique=True)
    objects = NamedManager()

    def natural_key(self):
        return (self.name,)


class Product(models.Model):
    """A product with a UUID key, a price, JSON attributes and tags (plain M2M)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    sku = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    attributes = models.JSONField(default=dict)
    created = models.DateTimeField()
    available = models.BooleanField(default=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT)
    tags = models.ManyToManyField(Tag, blank=True)
    comments = GenericRelation("Comment")


class CustomerManager(models.Manager):
    """Looks customers up by e-mail (their natural key)."""

    def get_by_natural_key(self, email):
        return self.get(email=email)


class Customer(models.Model):
    """A customer; natural key: the e-mail."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120)
    joined = models.DateTimeField()
    birth_date = models.DateField(null=True)
    objects = CustomerManager()

    def natural_key(self):
        return (self.email,)


class Order(models.Model):
    """An order: its products through :class:`OrderLine` (M2M with ``through``)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    placed = models.DateTimeField()
    status = models.CharField(max_length=12)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    products = models.ManyToManyField(Product, through="OrderLine")
    comments = GenericRelation("Comment")


class OrderLine(models.Model):
    """One product of an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)


class Comment(models.Model):
    """A comment on a product or an order (generic relation)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=36)
    target = GenericForeignKey("content_type", "object_id")
    text = models.TextField()
    rating = models.SmallIntegerField(null=True)
    created = models.DateTimeField()
