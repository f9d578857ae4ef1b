"""Deterministic demo data.

Everything comes from ``random.Random(2024)`` and fixed datetimes, and password
hashes use fixed salts, so that two builds hold the same rows. Requires Django
to be set up with a demo instance's settings and its database migrated.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, UTC
from decimal import Decimal

from .media import DOCUMENTS, PICTURES

#: First "created" date of the seed; every other date is an offset from it.
EPOCH = datetime(2024, 1, 8, 9, 30, tzinfo=UTC)

#: username, first name, last name, is_staff, is_superuser, password
USERS = [
    ("admin", "Ada", "Admin", True, True, "admin"),
    ("editor", "Edgar", "Poe", True, False, "demo"),
    ("support", "Grace", "Hopper", True, False, "demo"),
    ("alice", "Alice", "Martin", False, False, "demo"),
    ("bob", "Bob", "Durand", False, False, "demo"),
    ("chloe", "Chloé", "Bernard", False, False, "demo"),
]

CATEGORIES = [
    "Books", "Music", "Garden", "Kitchen", "Toys", "Sports", "Outdoor", "Office",
    "Lighting", "Bathroom", "Bedroom", "Tools", "Pets", "Travel", "Crafts",
]  # fmt: skip

TAGS = [
    "new", "sale", "eco", "handmade", "bestseller", "limited", "gift", "vintage",
    "organic", "imported", "local", "bundle", "premium", "budget", "kids", "pro",
    "wireless", "waterproof", "compact", "refurbished", "seasonal", "classic",
    "modern", "recycled", "exclusive",
]  # fmt: skip

ADJECTIVES = [
    "Blue", "Quiet", "Rapid", "Tiny", "Grand", "Golden", "Silver", "Wooden",
    "Smart", "Soft", "Bold", "Urban", "Rustic", "Nordic", "Sunny", "Misty",
]  # fmt: skip

NOUNS = [
    "Lamp", "Kettle", "Chair", "Notebook", "Backpack", "Mug", "Blanket", "Drill",
    "Speaker", "Planter", "Puzzle", "Racket", "Tent", "Brush", "Clock", "Candle",
]  # fmt: skip

PRODUCT_COUNT = 220
UNPUBLISHED_EVERY = 10  # every 10th product is unpublished: 10 %
PRODUCTS_WITH_FILES = 40
CUSTOMER_COUNT = 20
ORDER_COUNT = 150
CART_COUNT = 10
SESSION_COUNT = 5

_PASSWORD_SALTS = {"admin": "disketteDemoAdmin", "demo": "disketteDemoUser"}


def _slugify(text: str) -> str:
    return "".join(char if char.isalnum() else "-" for char in text.lower()).strip("-")


def seed(rng: random.Random | None = None) -> dict[str, int]:
    """Fill the migrated demo database; return the number of rows per model label.

    Runs in one transaction. The database must hold no demo rows yet.
    """
    from django.db import transaction

    rng = rng or random.Random(2024)
    with transaction.atomic():
        counts = {}
        counts.update(_seed_site())
        users, auth_counts = _seed_auth()
        counts.update(auth_counts)
        products, catalog_counts = _seed_catalog(rng)
        counts.update(catalog_counts)
        counts.update(_seed_orders(rng, users, products))
        counts.update(_seed_sessions_and_log(rng, users, products))
    return counts


def _seed_site() -> dict[str, int]:
    from django.contrib.sites.models import Site

    Site.objects.update_or_create(
        pk=1, defaults={"domain": "demo.example.com", "name": "Diskette demo shop"}
    )
    Site.objects.clear_cache()
    return {"sites.Site": Site.objects.count()}


def _seed_auth():
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission, User

    # Fixed salts: identical hashes from build to build, and one slow PBKDF2
    # round per distinct password rather than one per user.
    hashes = {
        password: make_password(password, salt=salt) for password, salt in _PASSWORD_SALTS.items()
    }
    users = User.objects.bulk_create(
        [
            User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.example.com",
                is_staff=staff,
                is_superuser=superuser,
                password=hashes[password],
                date_joined=EPOCH - timedelta(days=30 - index),
            )
            for index, (username, first, last, staff, superuser, password) in enumerate(USERS)
        ]
    )
    by_name = {user.username: user for user in users}

    editors = Group.objects.create(name="Editors")
    support = Group.objects.create(name="Support")
    editors.permissions.set(
        Permission.objects.filter(
            content_type__app_label="catalog",
            codename__regex=r"^(add|change|view)_",
        )
    )
    support.permissions.set(
        Permission.objects.filter(
            content_type__app_label="orders",
            codename__regex=r"^(change|view)_",
        )
    )
    memberships = User.groups.through
    memberships.objects.bulk_create(
        [
            memberships(user_id=by_name["editor"].pk, group_id=editors.pk),
            memberships(user_id=by_name["support"].pk, group_id=support.pk),
            memberships(user_id=by_name["admin"].pk, group_id=editors.pk),
        ]
    )
    # A direct user permission too, so auth.User refers to auth.Permission.
    by_name["support"].user_permissions.add(
        Permission.objects.get(content_type__app_label="catalog", codename="view_product")
    )
    counts = {
        "auth.User": len(users),
        "auth.Group": Group.objects.count(),
    }
    return users, counts


def _seed_catalog(rng: random.Random):
    from .catalog.models import Category, Product, Tag

    categories = Category.objects.bulk_create(
        [Category(name=name, slug=_slugify(name)) for name in CATEGORIES]
    )
    tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS])

    with_files = set(rng.sample(range(PRODUCT_COUNT), PRODUCTS_WITH_FILES))
    products = []
    for index in range(PRODUCT_COUNT):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {index + 1:03d}"
        picture = document = ""
        if index in with_files:
            # Most get a picture, some a document, some both.
            roll = rng.random()
            if roll < 0.8:
                picture = rng.choice(PICTURES)
            if roll > 0.55:
                document = rng.choice(DOCUMENTS)
        products.append(
            Product(
                name=name,
                slug=_slugify(name),
                category=rng.choice(categories),
                price=Decimal(rng.randint(199, 49999)).scaleb(-2),
                is_published=(index % UNPUBLISHED_EVERY != UNPUBLISHED_EVERY - 1),
                picture=picture,
                document=document,
                created=EPOCH + timedelta(hours=7 * index, minutes=rng.randrange(60)),
            )
        )
    products = Product.all_objects.bulk_create(products)

    through = Product.tags.through
    links = [
        through(product_id=product.pk, tag_id=tag.pk)
        for product in products
        for tag in rng.sample(tags, rng.randint(0, 4))
    ]
    through.objects.bulk_create(links)
    counts = {
        "catalog.Category": len(categories),
        "catalog.Tag": len(tags),
        "catalog.Product": len(products),
        "catalog.Product_tags": len(links),
    }
    return products, counts


def _seed_orders(rng: random.Random, users, products) -> dict[str, int]:
    from .orders.models import Cart, Customer, Order, OrderLine

    customers_users = [user for user in users if not user.is_staff]
    first_names = ["Jean", "Marie", "Luc", "Emma", "Noah", "Léa", "Hugo", "Inès", "Tom", "Zoé"]
    last_names = ["Petit", "Robert", "Richard", "Moreau", "Simon", "Laurent", "Lefebvre"]
    customers = []
    for index in range(CUSTOMER_COUNT):
        user = customers_users[index] if index < len(customers_users) else None
        if user:
            name = user.get_full_name()
        else:
            name = f"{rng.choice(first_names)} {rng.choice(last_names)}"
        customers.append(
            Customer(
                user=user,
                name=name,
                email=f"customer{index + 1:02d}@demo.example.com",
                phone=f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
            )
        )
    customers = Customer.objects.bulk_create(customers)

    statuses = [value for value, _label in Order.Status.choices]
    orders = Order.objects.bulk_create(
        [
            Order(
                customer=rng.choice(customers),
                created=EPOCH + timedelta(days=index, hours=rng.randrange(24)),
                status=rng.choices(statuses, weights=[2, 3, 6, 1])[0],
            )
            for index in range(ORDER_COUNT)
        ]
    )
    lines = OrderLine.objects.bulk_create(
        [
            OrderLine(order=order, product=product, quantity=rng.randint(1, 5))
            for order in orders
            for product in rng.sample(products, rng.randint(1, 4))
        ]
    )
    carts = Cart.objects.bulk_create(
        [
            Cart(
                user=users[3 + index % 3] if index % 2 == 0 else None,
                session_key=f"{rng.getrandbits(128):032x}",
                created=EPOCH + timedelta(days=140, minutes=17 * index),
            )
            for index in range(CART_COUNT)
        ]
    )
    return {
        "orders.Customer": len(customers),
        "orders.Order": len(orders),
        "orders.OrderLine": len(lines),
        "orders.Cart": len(carts),
    }


def _seed_sessions_and_log(rng: random.Random, users, products) -> dict[str, int]:
    from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core import signing

    issued = EPOCH + timedelta(days=150)

    class FixedTimestampSigner(signing.TimestampSigner):
        # Session data is signed with a timestamp: pin it for identical builds.
        def timestamp(self):
            return signing.b62_encode(int(issued.timestamp()))

    store = SessionStore()
    sessions = []
    for index in range(SESSION_COUNT):
        user = users[index % len(users)]
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        signed = FixedTimestampSigner(salt=store.key_salt).sign_object(
            data, serializer=store.serializer, compress=True
        )
        sessions.append(
            Session(
                session_key=f"{rng.getrandbits(160):040x}"[:32],
                session_data=signed,
                expire_date=datetime(2030, 1, 1, tzinfo=UTC),
            )
        )
    Session.objects.bulk_create(sessions)

    product_type = ContentType.objects.get_for_model(type(products[0]))
    admin = users[0]
    entries = LogEntry.objects.bulk_create(
        [
            LogEntry(
                action_time=EPOCH + timedelta(days=100 + index),
                user=admin,
                content_type=product_type,
                object_id=str(product.pk),
                object_repr=str(product)[:200],
                action_flag=ADDITION if index % 3 == 0 else CHANGE,
                change_message="[]",
            )
            for index, product in enumerate(rng.sample(products, 8))
        ]
    )
    return {"sessions.Session": len(sessions), "admin.LogEntry": len(entries)}
