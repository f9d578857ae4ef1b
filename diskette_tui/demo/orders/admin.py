"""Admin of the demo orders."""

from django.contrib import admin

from .models import Cart, Customer, Order, OrderLine


class OrderLineInline(admin.TabularInline):
    """Lines edited inside their order."""

    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders with their lines."""

    list_display = ["__str__", "customer", "status", "created"]
    list_filter = ["status"]
    inlines = [OrderLineInline]


admin.site.register(Customer)
admin.site.register(Cart)
