"""Models of the integrity test app (see the package docstring)."""

from django.db import models


class ShelfManager(models.Manager):
    """Finds a shelf by its natural key, the name."""

    def get_by_natural_key(self, name):
        return self.get(name=name)


class Shelf(models.Model):
    """A good natural key: unique, read from the row itself."""

    name = models.CharField(max_length=50, unique=True)

    objects = ShelfManager()

    def natural_key(self):
        return (self.name,)


class Book(models.Model):
    """A foreign key without a database constraint: a deleted shelf leaves it dangling."""

    title = models.CharField(max_length=50)
    shelf = models.ForeignKey(
        Shelf, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )


class FolderManager(models.Manager):
    """Finds a folder by name (the rank part of its key is not needed to find it)."""

    def get_by_natural_key(self, name, rank):
        return self.get(name=name)


class Folder(models.Model):
    """A natural key read from other rows of its table, like Wagtail's Collection's."""

    name = models.CharField(max_length=50, unique=True)

    objects = FolderManager()

    def natural_key(self):
        return (self.name, Folder.objects.filter(name__lt=self.name).count())


class TwinManager(models.Manager):
    """Finds a twin by name: two rows share one."""

    def get_by_natural_key(self, name):
        return self.get(name=name)


class Twin(models.Model):
    """A natural key that is not unique."""

    name = models.CharField(max_length=50)
    shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE, null=True, related_name="+")

    objects = TwinManager()

    def natural_key(self):
        return (self.name,)


class FragileField(models.CharField):
    """A text field that cannot write the value ``boom`` (a dump that still fails)."""

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        if value == "boom":
            raise ValueError("cannot write 'boom'")
        return value


class Note(models.Model):
    """Rows with a field that may fail to serialize."""

    text = FragileField(max_length=50)
