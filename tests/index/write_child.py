"""A process that writes to (or reads) a Raqib search index, for ``test_write_rules.py``.

Run as ``python write_child.py ACTION [ARGS...]`` with RAQIB_DATA_DIR / RAQIB_CONFIG set to a
test's data dir; each action uses the real backend (``index.registry.get_backend``, the
Tantivy index under the data dir) and prints JSON lines the test reads:

- ``seed N SEGMENTS``: migrate, create N broadcasts with one transcript of SEGMENTS segments
  each, build the index (``rebuild``);
- ``create N SEGMENTS``: create N more transcripts in the catalog only (not indexed);
- ``add N SEGMENTS``: create N more transcripts, each indexed at once (a worker's write);
- ``index ID...``: index these transcripts one by one; with WRITE_LOG set, append the
  ``[pid, requested, acquired, released]`` times of every hold of the write lock to that file; with
  WRITE_GO set, print ``{"ready": true}`` and wait for that file to exist first;
- ``hang ID``: index one transcript and stop inside the writer, documents added but not
  committed, after printing ``{"writing": ID}`` (the test SIGKILLs it there);
- ``reindex BATCH PAUSE``: ``raqib reindex``'s ``rebuild`` with BATCH segments per batch and
  PAUSE seconds between batches (so other processes write while it builds);
- ``search SECONDS WORD``: search WORD until SECONDS pass; print each total or error;
- ``counts``: ``{"indexed": {transcript id: segments}, "database": {...}}``.

To add an action: a function in ``ACTIONS``.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
    import django

    django.setup()


def _say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def _create(n: int, segments: int) -> list[int]:
    from catalog.models import Broadcast, Outlet, Segment, Source, Transcript

    outlet, _ = Outlet.objects.get_or_create(name="Write Rules TV")
    source, _ = Source.objects.get_or_create(name="write-rules", outlet=outlet, kind="html")
    first = Broadcast.objects.count()
    ids = []
    for i in range(first, first + n):
        broadcast = Broadcast.objects.create(
            source=source, outlet=outlet, external_id=f"w{i}-{os.getpid()}",
            url=f"https://example.org/w/{i}", title=f"حلقة {i}", language="ar",
            status=Broadcast.Status.TRANSCRIBED)
        transcript = Transcript.objects.create(broadcast=broadcast, engine="test",
                                               model_id="write-rules")
        Segment.objects.bulk_create(
            Segment(transcript=transcript, number=k, start=k * 5.0, end=k * 5.0 + 5,
                    text=f"اعتراف المعتقل رقم{i} في الجلسة {k}") for k in range(segments))
        ids.append(transcript.pk)
    return ids


def seed(n: str, segments: str) -> None:
    from django.core.management import call_command

    from index.registry import get_backend

    call_command("migrate", verbosity=0, interactive=False)
    ids = _create(int(n), int(segments))
    get_backend().rebuild()
    _say(seeded=ids)


def create(n: str, segments: str) -> None:
    _say(created=_create(int(n), int(segments)))


def add(n: str, segments: str) -> None:
    from index.registry import get_backend

    backend = get_backend()
    for transcript_id in _create(int(n), int(segments)):
        backend.index_transcript(transcript_id)
        _say(added=transcript_id, at=time.time())


def index(*ids: str) -> None:
    from index.registry import get_backend

    backend = get_backend()
    backend.count_indexed(0)  # open the index before the race starts
    log = os.environ.get("WRITE_LOG")
    if log:
        store = backend.store
        original = store.lock

        def logged_lock(*args: object, **kwargs: object):  # noqa: ANN202
            import contextlib

            @contextlib.contextmanager
            def hold():  # noqa: ANN202
                requested = time.time()
                with original(*args, **kwargs):
                    acquired = time.time()
                    try:
                        yield
                    finally:
                        with open(log, "a") as handle:
                            handle.write(json.dumps([os.getpid(), requested, acquired,
                                                     time.time()])
                                         + "\n")
            return hold()

        store.lock = logged_lock
    go = os.environ.get("WRITE_GO")
    if go:
        _say(ready=True)
        while not os.path.exists(go):
            time.sleep(0.01)
    for transcript_id in ids:
        backend.index_transcript(int(transcript_id))
        _say(indexed=int(transcript_id))


def hang(transcript_id: str) -> None:
    from index.registry import get_backend

    backend = get_backend()
    original = backend.store.apply

    def apply_then_hang(generations: list[str], change: object, **kwargs: object) -> None:
        def stuck(writer: object) -> None:
            change(writer)  # type: ignore[operator]  # documents added, not committed
            _say(writing=int(transcript_id))
            time.sleep(120)
        original(generations, stuck, **kwargs)

    backend.store.apply = apply_then_hang
    backend.index_transcript(int(transcript_id))


def reindex(batch: str, pause: str) -> None:
    import index.tantivy_backend as tb
    from index.registry import get_backend

    tb.BATCH_SEGMENTS = int(batch)
    started = time.time()
    segments = get_backend().rebuild(lambda done, total, segs: time.sleep(float(pause)))
    _say(reindexed=segments, started=started, finished=time.time())


def search(seconds: str, word: str) -> None:
    from index.base import SearchRequest
    from index.registry import get_backend

    backend = get_backend()
    deadline = time.time() + float(seconds)
    while time.time() < deadline:
        try:
            _say(total=backend.search_page(SearchRequest(word, facets=False)).total,
                 at=time.time())
        except Exception as exc:  # noqa: BLE001 - the test asserts there are none
            _say(error=f"{type(exc).__name__}: {exc}", at=time.time())
        time.sleep(0.02)


def counts() -> None:
    from django.db.models import Count

    from catalog.models import Transcript
    from index.registry import get_backend

    database = dict(Transcript.objects.annotate(n=Count("segments")).values_list("id", "n"))
    _say(indexed=get_backend().indexed_transcripts(), database=database)


ACTIONS = {f.__name__: f for f in (seed, create, add, index, hang, reindex, search, counts)}

if __name__ == "__main__":
    _setup()
    ACTIONS[sys.argv[1]](*sys.argv[2:])
