"""URLs of the demo project: only the admin, so that ``check`` has something to check."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
