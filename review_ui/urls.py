"""Placeholder URLs; the review UI helper fills this in."""

urlpatterns: list = []
