"""Admin of the demo catalog."""

from django.contrib import admin

from .models import Category, Product, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories, slug prefilled from the name."""

    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Tags."""

    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Products, unpublished ones included."""

    list_display = ["name", "category", "price", "is_published"]
    list_filter = ["is_published", "category"]
    filter_horizontal = ["tags"]

    def get_queryset(self, request):
        """Every product: the default manager hides the unpublished ones."""
        return Product.all_objects.select_related("category")
