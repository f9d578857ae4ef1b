"""Order models of the demo project.

``Cart`` is transient data that the demo configuration keeps out of the
"Shop orders" dump (and lets the drain collect, with ``drain_excluded``).
"""

from django.conf import settings
from django.db import models

from diskette_tui.demo.catalog.models import Product


class Customer(models.Model):
    """Someone who orders; a registered user or a guest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )
    name = models.CharField(max_length=150)
    email = models.EmailField()
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Order(models.Model):
    """One order of a customer."""

    class Status(models.TextChoices):
        """Where an order stands."""

        NEW = "new", "New"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    # No auto_now_add: the seed sets fixed dates so that every build is identical.
    created = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"Order #{self.pk}"


class OrderLine(models.Model):
    """A product and its quantity in an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"{self.quantity} x {self.product}"


class Cart(models.Model):
    """A shopping cart of a visitor: session data, not worth a backup of its own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="carts",
    )
    session_key = models.CharField(max_length=40)
    created = models.DateTimeField()

    def __str__(self):
        return f"Cart {self.session_key}"
