"""Screenshots of the main pages in Arabic for docs/screenshots/ (issue 25).

Seeds a fresh database in a temporary directory with ``tests/review_ui/seed_dashboard_db.py``
(incidents in several states on two outlets, persons, users) plus what makes the pages
show every kind of value (an alert in each state, a failed broadcast, a source whose last
crawl failed; the relations on air, free text, typed in Arabic as an Arabic team would),
starts ``raqib serve`` on a free loopback port, signs in as an admin in Chromium
(Playwright) with the second factor, and saves one PNG per page in Arabic. Each PNG is the
page 1200 CSS pixels wide and at most ``MAX_HEIGHT`` high, reduced to a 128-colour palette
with Pillow so that the set stays small (10-60 KB each).

Usage:  python scripts/screenshots.py [--out docs/screenshots] [--language ar]
Needs /usr/bin/chromium (scripts/setup.sh installs it) and the dev extras (playwright,
pillow). To add a page: a ``(name, path)`` in ``PAGES``; then run the script and look at
the new image for any English outside person-entered text.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "review_ui"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1200, "height": 800}
MAX_HEIGHT = 2000
# (file name, path under the site, given the seed's ids)
PAGES = [
    ("search", "?q=%D8%A3%D9%85%D8%A7%D9%86%D9%8A"),  # أماني
    ("broadcast", "broadcasts/{broadcast}/"),
    ("incident", "incidents/{incident}/"),
    ("incident-list", "incidents/"),
    ("queue", "alerts/?status=all"),
    ("dashboard", "dashboard/"),
    ("person", "persons/{person}/"),
    ("sources", "sources/"),
    ("broadcast-list", "broadcasts/"),
    ("error-404", "no-such-page/"),
]

EXTRA_SEED = """
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "raqib.settings")
import django
django.setup()
sys.path.insert(0, sys.argv[1])
from ui_helpers import make_broadcast
from catalog.models import Alert, Broadcast, Source, Watchlist
info = json.loads(sys.argv[2])
b = Broadcast.objects.get(pk=info["broadcast"])
watchlist = Watchlist.objects.create(name="تبرّؤ", query="أتبرأ")
segments = list(b.transcripts.get().segments.order_by("number"))
for status, segment in zip(("new", "confirmed", "dismissed"), segments):
    Alert.objects.create(watchlist=watchlist, broadcast=b, segment=segment, track="asr",
                         model_id="base", segment_number=segment.number, start=segment.start,
                         end=segment.end, text=segment.text, status=status)
failed = make_broadcast(title="حلقة لم يكتمل تنزيلها", error="HTTP Error 404: Not Found")
Broadcast.objects.filter(pk=failed.pk).update(status="failed", failed_stage="download")
# Relations are typed by the reviewer; the test seed types them in English, an Arabic team
# in Arabic.
from review.models import IncidentPerson
IncidentPerson.objects.filter(relation="father of").update(relation="والدها")
IncidentPerson.objects.filter(relation="brother of").update(relation="أخوها")
Source.objects.filter(name="sama").update(
    last_error="HTTPSConnectionPool(host='sama.example'): Read timed out")
"""


def _shrink(path: Path) -> int:
    """Reduce ``path`` to a 128-colour palette PNG, optimised; return its size in bytes."""
    from PIL import Image

    with Image.open(path) as image:
        if image.height > MAX_HEIGHT:
            image = image.crop((0, 0, image.width, MAX_HEIGHT))
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--language", default="ar", choices=("ar", "en"))
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"needs {CHROMIUM} (scripts/setup.sh installs it)", file=sys.stderr)
        return 2
    sys.path[:0] = [str(ROOT), str(SEEDS)]
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="raqib-shots-") as tmp:
        root = Path(tmp)
        (root / "raqib.toml").write_text("")
        env = {**os.environ, "RAQIB_DATA_DIR": str(root / "data"),
               "RAQIB_CONFIG": str(root / "raqib.toml"), "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               "DJANGO_SETTINGS_MODULE": "raqib.settings"}
        os.environ.update(env)  # the helpers below read the same database
        import django

        django.setup()
        from playwright.sync_api import sync_playwright
        from ui_helpers import PASSWORD, browser_login

        from tests.services import serve_ui
        seeded = subprocess.run([sys.executable, str(SEEDS / "seed_dashboard_db.py")],
                                env=env, text=True, capture_output=True, timeout=300,
                                check=True)
        info = json.loads(seeded.stdout.strip().splitlines()[-1])
        subprocess.run([sys.executable, "-c", EXTRA_SEED, str(SEEDS), json.dumps(info)],
                       env=env, timeout=300, check=True)
        total = 0
        with serve_ui(env) as base, sync_playwright() as play:
            browser = play.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=[f"--lang={args.language}"])
            context = browser.new_context(viewport=VIEWPORT, locale=args.language,
                                          extra_http_headers={
                                              "Accept-Language": args.language})
            page = context.new_page()
            page.goto(base + "login/")  # before login: the language choice under the form
            target = args.out / f"{args.language}-login.png"
            page.screenshot(path=str(target))
            total += _shrink(target)
            browser_login(page, base, "boss", PASSWORD, data_dir=str(root / "data"))
            for name, path in PAGES:
                page.goto(base + path.format(**info))
                assert page.get_attribute("html", "lang") == args.language, path
                target = args.out / f"{args.language}-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                size = _shrink(target)
                total += size
                print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}"
                      f"  {size // 1024} KB")
            browser.close()
        print(f"total {total // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
