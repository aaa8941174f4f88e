"""A database made by Raqib before the catalog became its own app migrates forward intact.

The code of the last release before the move (commit ``BEFORE``, from this repository's
own history) creates a catalog (SQLite, and PostgreSQL on a throw-away server on loopback)
in a subprocess and fills every table: outlet,
source, broadcast, media, transcript, segment with its FTS5 rows, custody events, a tag, a
watchlist, an alert, a user with a role, and a watchlist failure recorded the old way (a
``watchlists-failed`` custody event). Today's code then opens the same data dir (every
command migrates first) and must find every row unchanged, the failure turned into a
``WatchlistBacklog`` row, and the segment searchable: the old SQLite FTS5 index is dropped
and the Tantivy index is built from the catalog at first use (on PostgreSQL too, which
needed Elasticsearch before).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from tests.services import postgres_server

REPO = Path(__file__).resolve().parents[1]
BEFORE = "4f58daa9adb4147b9e4ba12ec6660543648ba3a0"  # the last commit with raqib/models.py
TABLES = ("outlet", "source", "broadcast", "mediafile", "transcript", "segment",
          "custodyevent", "tag", "tagging", "watchlist", "alert", "evidencefile")

SEED = r"""
import json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "raqib.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from django.contrib.auth.models import Group, User
from raqib.models import (Alert, Broadcast, CustodyEvent, EvidenceFile, MediaFile, Outlet,
                          Segment, Source, Tag, Tagging, Transcript, Watchlist)
from index.sqlite_fts import SqliteFtsBackend

outlet = Outlet.objects.create(name="الإخبارية السورية")
source = Source.objects.create(name="ikhbariya", outlet=outlet, kind="site",
                               config={"name": "ikhbariya", "kind": "site"})
media = MediaFile.objects.create(sha256="ab" * 32, path="media/ab/x.mp4", size=1234,
                                 duration=61.5)
b = Broadcast.objects.create(source=source, outlet=outlet, external_id="https://tv.example/1",
                             url="https://tv.example/1", title="من النفق إلى النور",
                             status="indexed", media=media, aired_at_raw="٢٠ نيسان ٢٠٢١")
EvidenceFile.objects.create(broadcast=b, kind="info_json", path="captures/1/a.info.json",
                            sha256="cd" * 32, size=10)
t = Transcript.objects.create(broadcast=b, media=media, engine="faster-whisper",
                              model_id="base", language="ar", params={"beam_size": 5})
seg = Segment.objects.create(transcript=t, number=0, start=12.5, end=16.0,
                             text="أَمَانِي  ابنتي\u200f", words=[{"start": 12.5, "end": 13,
                                                             "word": "أماني", "p": 0.9}])
CustodyEvent.objects.create(action="captured", actor="raqib-worker@h", broadcast=b,
                            media=media, sha256=media.sha256, tool_versions={"raqib": "0.1.0"})
tag = Tag.objects.create(name="forced-confession")
Tagging.objects.create(tag=tag, broadcast=b, segment=seg, note="يقرأ نصا")
watchlist = Watchlist.objects.create(name="amani", query="أماني")
Alert.objects.create(watchlist=watchlist, broadcast=b, segment=seg, track="asr",
                     model_id="base", segment_number=0, start=12.5, end=16.0, text=seg.text)
CustodyEvent.objects.create(action="watchlists-failed", actor="raqib-watchlists",
                            broadcast=b, details={"error": "ConnectionError: refused"})
user = User.objects.create_user("alice", password="a long passphrase 1")
user.groups.add(Group.objects.get(name="reviewer"))
if "DATABASE_URL" not in os.environ:
    SqliteFtsBackend().index_transcript(t.id)
"""

DUMP_FTS = r"""
import json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "raqib.settings"
django.setup()
from django.db import connection
with connection.cursor() as cur:
    cur.execute("SELECT name FROM sqlite_master WHERE name LIKE 'segment_fts%'")
    print(json.dumps([row[0] for row in cur.fetchall()]))
"""

DUMP = r"""
import json, os, sys
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "raqib.settings"
django.setup()
from django.db import connection
out = {}
with connection.cursor() as cur:
    for table in json.loads(sys.argv[1]):
        cur.execute(f"SELECT * FROM raqib_{table} ORDER BY id")
        names = [d[0] for d in cur.description]
        out[table] = [dict(zip(names, row)) for row in cur.fetchall()]
    cur.execute("SELECT u.username, u.password, g.name FROM auth_user u JOIN auth_user_groups "
                "ug ON ug.user_id = u.id JOIN auth_group g ON g.id = ug.group_id ORDER BY u.id")
    out["users"] = [list(r) for r in cur.fetchall()]
out["vendor"] = connection.vendor
print(json.dumps(out, ensure_ascii=False, default=str))
"""


def _old_tree(tmp_path: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO), "archive", BEFORE], capture_output=True)
    if archive.returncode:
        pytest.skip(f"commit {BEFORE[:7]} is not in this clone's history (a shallow clone?): "
                    f"{archive.stderr.decode(errors='replace').strip()}")
    root = tmp_path / "before"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(root, filter="data")
    return root


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@contextlib.contextmanager
def _database(kind: str):
    if kind == "sqlite":
        yield {}
        return
    with postgres_server() as url:
        # The FTS5 index needs SQLite; a PostgreSQL catalog names Elasticsearch (not
        # contacted by the commands below).
        yield {"DATABASE_URL": url, "RAQIB_SEARCH_BACKEND": "elasticsearch",
               "ELASTICSEARCH_URL": "http://127.0.0.1:9"}


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql",
                                                             marks=pytest.mark.scaled)])
def test_a_database_of_the_previous_layout_migrates_forward_with_its_rows(
        tmp_path: Path, database: str) -> None:
    with _database(database) as extra:
        _migrate_forward(tmp_path, extra, database)


def _migrate_forward(tmp_path: Path, extra: dict[str, str], vendor: str) -> None:
    old = _old_tree(tmp_path)
    assert (old / "raqib" / "models.py").is_file() and not (old / "catalog").exists()
    config = tmp_path / "raqib.toml"
    config.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAQIB_", "DJANGO_"))}
    env |= {"RAQIB_DATA_DIR": str(tmp_path / "data"), "RAQIB_CONFIG": str(config),
            "PYTHONPATH": str(old)}
    env.pop("DATABASE_URL", None)
    env |= extra
    _run(old, env, "-c", SEED)
    before = json.loads(_run(old, env, "-c", DUMP, json.dumps(TABLES)).stdout)
    assert all(before[t] for t in TABLES) and before["users"]
    assert before["vendor"] == vendor

    env["PYTHONPATH"] = str(REPO)
    env["RAQIB_SEARCH_BACKEND"] = "tantivy"  # the old "sqlite" default, or ES on PostgreSQL
    env.pop("ELASTICSEARCH_URL", None)
    listed = json.loads(_run(REPO, env, "-m", "raqib", "broadcasts", "list",
                             "--format", "json").stdout)
    assert [b["title"] for b in listed] == ["من النفق إلى النور"]
    after = json.loads(_run(REPO, env, "-c", DUMP, json.dumps(TABLES)).stdout)
    for table in TABLES:  # every old row and value is kept (new columns and rows may come)
        kept = {row["id"]: {k: row[k] for k in before[table][0]} for row in after[table]}
        assert [kept.get(row["id"]) for row in before[table]] == before[table], table
    # the tag vocabulary's starting set arrives beside the old tags (migration 0007)
    assert {"forced-confession", "family-disavowal"} <= {t["name"] for t in after["tag"]}
    assert after["users"] == before["users"]

    backlog = json.loads(_run(REPO, env, "-c", DUMP, json.dumps(["watchlistbacklog"])).stdout)
    [row] = backlog["watchlistbacklog"]
    assert row["broadcast_id"] == before["broadcast"][0]["id"]
    assert row["error"] == "ConnectionError: refused"
    hits = json.loads(_run(REPO, env, "-m", "raqib", "search", "أماني", "--format",
                           "json").stdout)
    assert [h["text"] for h in hits["hits"]] == ["أَمَانِي  ابنتي\u200f"]
    if vendor == "sqlite":
        tables = json.loads(_run(REPO, env, "-c", DUMP_FTS).stdout)
        assert tables == [], tables  # the FTS5 tables are gone
