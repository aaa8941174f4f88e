"""A form posted without a CSRF token gets the project's own 403 page, which obeys the CSP
(no inline style or script) and speaks Arabic first."""

from __future__ import annotations

from django.test import Client


def test_csrf_failure_page_is_ours_and_has_no_inline_code(db) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "تعذّر إرسال النموذج" in body
    assert 'dir="rtl"' in body
    assert "<style" not in body and "style=" not in body
    assert "<script>" not in body
