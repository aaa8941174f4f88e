"""The media screen: a broadcast's evidence file, streamed for the viewer's player.

``<video>`` seeks with ``Range`` requests, answered by ``review_ui.streaming`` (206 with
one range, 416 for an impossible one). The file's path comes from the database and is
refused when it escapes the data directory; the file is only read. Needs the viewer role,
like the viewer itself. To serve another kind of evidence file: resolve its path the way
``media_path`` does and hand it to ``ranged_file_response``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from catalog.models import Broadcast
from review_ui.access import role_required
from review_ui.streaming import ranged_file_response


def media_path(broadcast: Broadcast) -> Path:
    """The broadcast's media file on disk; Http404 when it has none or it is missing."""
    if broadcast.media is None:
        raise Http404("this broadcast has no captured media")
    data_dir = Path(settings.DATA_DIR).resolve()
    path = (data_dir / broadcast.media.path).resolve()
    # The path comes from the database; refuse anything that escapes the data dir.
    if not path.is_relative_to(data_dir) or not path.is_file():
        raise Http404("the media file is missing")
    return path


@require_http_methods(["GET", "HEAD"])
@role_required("viewer")
def media(request: HttpRequest, broadcast_id: int) -> HttpResponse:
    """The whole media file (200) or the one byte range asked for (206)."""
    broadcast = get_object_or_404(Broadcast.objects.select_related("media"), pk=broadcast_id)
    path = media_path(broadcast)
    return ranged_file_response(path, request.headers.get("Range"), broadcast.media.mime_type)
