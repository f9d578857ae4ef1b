"""Rows of the integrity test app: two dangling books, a folder tree, twins."""


def seed_integrity() -> None:
    """Fill the integrity app (called once, after migrate)."""
    from integrity_app.models import Book, Folder, Note, Shelf, Twin

    poetry = Shelf.objects.create(name="poetry")
    gone = Shelf.objects.create(name="gone")
    Book.objects.create(title="Odes", shelf=poetry)
    Book.objects.create(title="Lost", shelf=gone)
    Book.objects.create(title="Nowhere", shelf_id=999)
    Book.objects.create(title="Loose", shelf=None)
    gone.delete()  # no constraint, DO_NOTHING: "Lost" now names a missing shelf
    for name in ("b", "a", "c"):
        Folder.objects.create(name=name)
    Twin.objects.create(name="same", shelf=poetry)
    Twin.objects.create(name="same")
    Twin.objects.create(name="solo")
    Note.objects.create(text="fine")
