"""Catalog models of the demo project.

They exercise what a dump must get right: natural keys (``Category`` and
``Tag``, so a definition with ``natural_primary`` drops their primary keys and
``Product`` refers to them by slug and name), a many-to-many field, file
fields pointing into the media storage, and a default manager that hides rows
(unpublished products), so that only ``use_base_manager`` dumps everything.
"""

from django.db import models


class CategoryManager(models.Manager):
    """Finds a category by its natural key, the slug."""

    def get_by_natural_key(self, slug):
        """Return the category whose slug is ``slug``."""
        return self.get(slug=slug)


class Category(models.Model):
    """A product category; its natural key is its slug."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)

    objects = CategoryManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def natural_key(self):
        """The slug, unique among categories."""
        return (self.slug,)


class TagManager(models.Manager):
    """Finds a tag by its natural key, the name."""

    def get_by_natural_key(self, name):
        """Return the tag named ``name``."""
        return self.get(name=name)


class Tag(models.Model):
    """A free label on products; its natural key is its name."""

    name = models.CharField(max_length=50, unique=True)

    objects = TagManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        """The name, unique among tags."""
        return (self.name,)


class PublishedProductManager(models.Manager):
    """Only published products: what the shop shows, and what a plain dumpdata sees."""

    def get_queryset(self):
        """Published products only."""
        return super().get_queryset().filter(is_published=True)


class Product(models.Model):
    """Something the shop sells, possibly with a picture and a document."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    price = models.DecimalField(max_digits=8, decimal_places=2)
    is_published = models.BooleanField(default=True)
    document = models.FileField(upload_to="documents/", blank=True)
    picture = models.FileField(upload_to="pictures/", blank=True)
    # No auto_now_add: the seed sets fixed dates so that every build is identical.
    created = models.DateTimeField()

    # Declared first, so it is the default manager: dumpdata without --all
    # (use_base_manager) silently leaves unpublished products out.
    objects = PublishedProductManager()
    all_objects = models.Manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
