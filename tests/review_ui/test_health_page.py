"""The admin Health page: the figures of ``raqib status`` (per stage waiting, running,
queued; the scheduler's holder), for admins only, GET only."""

from __future__ import annotations

import pytest
from django.test import Client
from ui_helpers import login_client, make_broadcast, make_user

from catalog.models import Broadcast
from raqib import leases

pytestmark = pytest.mark.django_db


def test_admin_sees_stages_running_work_and_the_scheduler(client: Client) -> None:
    waiting = make_broadcast()  # transcribed: waits for the index stage
    other = make_broadcast(title="نشرة")
    Broadcast.objects.filter(pk=other.pk).update(status="downloaded")
    assert leases.acquire(f"{leases.STAGE_PREFIX}{waiting.id}", "worker-a", 60)
    assert leases.acquire(leases.SCHEDULER, "host:123:abc", 60)
    login_client(client, make_user("adm", "admin"))
    page = client.get("/health/")
    assert page.status_code == 200
    html = page.content.decode()
    index_row = html.split('data-stage="index"')[1].split("</tr>")[0]
    assert '<td class="waiting">1</td>' in index_row
    assert '<td class="running">1</td>' in index_row
    assert "<td>الفهرسة</td>" in index_row  # the stage in the page's language
    transcribe_row = html.split('data-stage="transcribe"')[1].split("</tr>")[0]
    assert '<td class="waiting">1</td>' in transcribe_row
    assert "host:123:abc" in html
    assert client.post("/health/").status_code == 405


def test_below_admin_is_refused(client: Client) -> None:
    login_client(client, make_user("rev", "reviewer"))
    assert client.get("/health/").status_code == 403
