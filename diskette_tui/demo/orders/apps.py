"""Application config of the demo orders."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Customers, orders and carts (label ``orders``)."""

    name = "diskette_tui.demo.orders"
    label = "orders"
    verbose_name = "Shop orders"
