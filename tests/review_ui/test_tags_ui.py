"""Tagging from the broadcast viewer: the leads' vocabulary offered, a time range with a
note, a new name shown as a proposal, and bad ranges refused with a message."""

from __future__ import annotations

from django.test import Client
from ui_helpers import login_client, make_user

from catalog.models import Tagging


def test_vocabulary_offered_and_range_tagged(db, broadcast) -> None:
    make_user("rev", "reviewer")
    client = login_client(Client(), "rev")
    page = client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    # only the page language's label (the vocabulary keeps both)
    assert '<option value="family-disavowal">تبرؤ عائلي</option>' in page
    url = f"/broadcasts/{broadcast.pk}/tags/"
    assert client.post(url, {"tag": "family-disavowal", "start": "0:08", "end": "0:13",
                             "note": "يتبرأ من أخيه"}).status_code == 302
    assert client.post(url, {"tag": "hooded", "segment": 1, "to_segment": 2}
                       ).status_code == 302
    page = client.get(f"/broadcasts/{broadcast.pk}/").content.decode()
    assert "00:08–00:13" in page and "يتبرأ من أخيه" in page
    assert 'tag-proposed"><bdi>hooded</bdi> <span class="proposed">' in page
    assert sorted(Tagging.objects.values_list("start", "end")) == [(4.0, 13.5), (8.0, 13.0)]
    response = client.post(url, {"tag": "hooded", "start": "0:30", "end": "0:10"},
                           follow=True)
    assert "ليس داخل البثّ" in response.content.decode()
    assert Tagging.objects.count() == 2
