"""Load run: concurrent logged-in reviewers searching through ``raqib serve`` on loopback.

Run:  .venv/bin/python benchmarks/search_scale.py --sizes 1000000 --keep /tmp/keep
      .venv/bin/python benchmarks/search_load.py --home /tmp/keep/1000000 --reviewers 20

``--home`` is a data dir kept by ``search_scale.py --keep`` (its ``raqib.toml`` and
``data/``: the synthetic catalog and its Tantivy index). The script adds ``--reviewers``
users with the reviewer role, starts ``raqib serve`` on a free loopback port, logs each
reviewer in through the real login form (session and CSRF cookies), and runs ``wrk``
(Debian package ``wrk``; ``scripts/setup.sh`` installs it; ``--workers N`` is passed to
``raqib serve``) with ``search_load.lua``: one
thread and one connection per reviewer, each sending the next search as soon as the last
answered (``--think-ms 0``, the default: the hardest case for 20 people; a reviewer who
reads the hits for a few seconds is ``--think-ms 3000``, the mean of exponentially drawn
pauses). Before the measured run, ``--warmup`` seconds of the same load are sent and not
counted (the server's first requests open the index, database connections and catalogs;
that run's figures are reported as ``warmup``). The searches are the benchmark's
word, phrase and filtered (outlet + six months) queries, as the search page sends them
(facets on, 20 hits with highlights). Prints a Markdown row and the JSON (latency p50/p95/
p99, requests/s, bad responses: not 200 or not a result page, and socket errors).
``--client python`` sends the same load from one Python thread per reviewer instead of wrk,
as a browser does it: one keep-alive connection each, a new one (counted in that page's
latency) when the server closed the idle one during a pause; a check on wrk's figures with
think time, where a closed keep-alive showed as second-long latencies.
``--in-process N`` serves nothing: it renders N search pages through Django's test client in
this process, as the first reviewer (SQL statements per page, mean page time, time in
``SearchBackend.search_page`` alone, and with ``--profile`` cProfile's top functions), to
see where a page's time goes. ``--page broadcast`` and ``--page incident`` do the same for
the broadcast viewer (the home's broadcasts in turn) and the incident page (``--in-process``
incidents proposed by the first reviewer on those broadcasts, each with a 60 s clip, two
signs and a person on air, created once and kept in the home). ``page_cpu_mean_ms`` (CPU
of the process per page) is the figure to compare on a busy machine; run it against two
checkouts on the same home, in turn, to compare code; ``--show-sql`` adds the last page's
SQL statements to the JSON. To add a query kind: add its URLs in
``search_paths``; to add a page: its paths in ``page_paths`` and the text that proves it
rendered in ``PAGE_MARKERS``.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LUA = Path(__file__).with_name("search_load.lua")


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "RAQIB_DATA_DIR": str(home / "data"),
           "RAQIB_CONFIG": str(home / "raqib.toml"), "RAQIB_LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "raqib.settings"}
    for var in ("DATABASE_URL", "RAQIB_SEARCH_BACKEND"):
        env.pop(var, None)
    return env


TOTP_KEY_PREFIX = "5261716962206c6f61642d"  # + 8 hex digits of the reviewer's number


def _totp_code(username: str) -> str:
    """The current TOTP code of a load reviewer's authenticator (every role needs one)."""
    from django_otp.oath import totp

    key = bytes.fromhex(TOTP_KEY_PREFIX + f"{int(username.rsplit('-', 1)[1]):08x}")
    return f"{totp(key):06d}"


def _add_reviewers(home: Path, count: int, password: str) -> list[str]:
    code = (
        "import django, sys; django.setup()\n"
        "from django.contrib.auth.models import User\n"
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        "from accounts.roles import ensure_roles, set_role\n"
        "ensure_roles()\n"
        "for i in range(int(sys.argv[1])):\n"
        "    user, _ = User.objects.get_or_create(username=f'load-reviewer-{i}')\n"
        "    user.set_password(sys.argv[2]); user.save(); set_role(user, 'reviewer')\n"
        "    TOTPDevice.objects.update_or_create(user=user, defaults={'confirmed': True,\n"
        "        'name': 'authenticator', 'key': sys.argv[3] + f'{i:08x}'})\n")
    subprocess.run([sys.executable, "-c", code, str(count), password, TOTP_KEY_PREFIX],
                   env=_env(home), cwd=ROOT, check=True)
    return [f"load-reviewer-{i}" for i in range(count)]


def _serve(home: Path, workers: int | None) -> tuple[subprocess.Popen[str], str]:
    # the server's log (gunicorn's worker starts and restarts) goes to home/serve.log
    extra = ["--workers", str(workers)] if workers else []
    server = subprocess.Popen([sys.executable, "-m", "raqib", "serve", "--host", "127.0.0.1",
                               "--port", "0", *extra], env=_env(home), cwd=ROOT, text=True,
                              stdout=subprocess.PIPE,
                              stderr=(home / "serve.log").open("a"))
    line = server.stdout.readline() if server.stdout else ""
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not found:
        server.kill()
        raise SystemExit(f"raqib serve did not start: {line!r}")
    return server, found.group(0)


def _login(base: str, username: str, password: str) -> str:
    """Log in through the form; return the Cookie header value of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(base + "login/", data=body,
                                       headers={"Referer": base + "login/"}), timeout=60)
    page = opener.open(base + "login/2fa/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"token": _totp_code(username),
                                   "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(base + "login/2fa/", data=body,
                                       headers={"Referer": base + "login/2fa/"}), timeout=60)
    check = opener.open(base, timeout=120)
    if check.geturl().rstrip("/") != base.rstrip("/"):
        raise SystemExit(f"{username} was not logged in (sent to {check.geturl()})")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def search_paths(size: int, seed: int, n: int) -> list[str]:
    """The benchmark's queries as the search page's GET URLs, kinds interleaved."""
    from benchmarks.search_scale import query_sets

    queries = query_sets(size, seed, n)
    words = [{"q": q["word"]} for q in queries["word"]]
    phrases = [{"q": '"' + " ".join(q["words"]) + '"'} for q in queries["phrase"]]
    filtered = [{"q": q["word"], "outlet": q["outlet"], "date_from": q["from"].isoformat(),
                 "date_to": q["to"].isoformat()} for q in queries["filtered_faceted"]]
    return ["/?" + urllib.parse.urlencode(params)
            for trio in zip(words, phrases, filtered, strict=True) for params in trio]


# The text each page kind must hold to count as rendered (not an error page).
PAGE_MARKERS = {"search": b'class="count"', "broadcast": b'class="segments"',
                "incident": b'class="clip'}


def _load_incidents(count: int) -> list[int]:
    """``count`` incidents proposed by the first load reviewer (titles "load incident N"),
    one per broadcast, each with a 60 s clip, two coercion signs and a person on air;
    made once, then reused."""
    from django.contrib.auth.models import User

    from catalog.models import Broadcast
    from review import incidents as inc
    from review.models import CoercionSign, Incident, Person
    from review.persons import add_person

    ids = list(Incident.objects.filter(title__startswith="load incident ").order_by("pk")
               .values_list("pk", flat=True)[:count])
    if len(ids) >= count:
        return ids
    user = User.objects.get(username="load-reviewer-0")
    signs = list(CoercionSign.objects.order_by("code").values_list("code", flat=True)[:2])
    person = (Person.objects.filter(name="load person").first()
              or add_person("load person", kind=Person.Kind.DETAINEE, user=user))
    for n, broadcast in enumerate(Broadcast.objects.order_by("pk")[len(ids):count],
                                  start=len(ids)):
        ids.append(inc.propose(user, broadcast_id=broadcast.pk, start=0, end=60,
                               title=f"load incident {n}", signs=signs,
                               people=[inc.OnAir(f"#{person.pk}", "confesses")]).pk)
    return ids


def page_paths(kind: str, size: int, args: argparse.Namespace) -> list[str]:
    """The URLs ``--in-process`` renders for a page kind (``--url``: that one URL)."""
    if args.url:
        return [args.url] * args.in_process
    if kind == "search":
        return search_paths(size or 100_000, args.seed, args.queries)[:args.in_process]
    if kind == "broadcast":
        from catalog.models import Broadcast

        ids = list(Broadcast.objects.filter(transcripts__isnull=False).distinct()
                   .order_by("pk").values_list("pk", flat=True)[:args.in_process])
        return [f"/broadcasts/{pk}/" for pk in (ids * args.in_process)[:args.in_process]]
    return [f"/incidents/{pk}/" for pk in _load_incidents(args.in_process)]


def in_process(home: Path, size: int, args: argparse.Namespace) -> dict:
    """Render ``args.in_process`` pages of ``args.page`` in this process (the test client,
    logged in as the first load reviewer); the page's SQL statements, its time and (for
    search) the backend's."""
    import cProfile
    import io
    import pstats

    os.environ.update(_env(home))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from index.tantivy_backend import TantivyBackend

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username="load-reviewer-0"))
    # a code is accepted once per time step: forget the last one used (a run just before)
    TOTPDevice.objects.filter(user__username="load-reviewer-0").update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None)
    client.post("/login/2fa/", {"token": _totp_code("load-reviewer-0")})  # the second factor
    paths = page_paths(args.page, size, args)
    marker = b"</html>" if args.url else PAGE_MARKERS[args.page]
    backend_seconds: list[float] = []
    original = {TantivyBackend: TantivyBackend.search_page}  # the embedded backend

    def timed(method):  # noqa: ANN001, ANN202  (wraps a backend's search_page)
        def wrapper(self, request):  # noqa: ANN001, ANN202
            started = time.perf_counter()
            try:
                return method(self, request)
            finally:
                backend_seconds.append(time.perf_counter() - started)
        return wrapper

    for cls, method in original.items():
        cls.search_page = timed(method)
    for path in paths[:6]:  # warm-up: templates compiled, index opened
        client.get(path)
    backend_seconds.clear()
    profiler = cProfile.Profile() if args.profile else None
    statements = []
    sizes = []
    page_seconds = []
    cpu_started = time.process_time()
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = client.get(path)
            if profiler:
                profiler.disable()
            page_seconds.append(time.perf_counter() - started)
        if response.status_code != 200 or marker not in response.content:
            raise SystemExit(f"{path}: not a result page ({response.status_code})")
        statements.append(len(captured.captured_queries))
        last_sql = [q["sql"] for q in captured.captured_queries]
        sizes.append(len(response.content))
    cpu = time.process_time() - cpu_started
    report = {"page": args.page, "segments": size, "pages": len(paths),
              "bytes_per_page_mean": round(sum(sizes) / len(sizes)),
              # CPU of this process per page (Python, SQLite, Tantivy): what a busy machine
              # changes least, unlike the wall-clock times
              "page_cpu_mean_ms": round(1000 * cpu / len(paths), 2),
              "sql_per_page_max": max(statements), "sql_per_page_min": min(statements),
              "page_mean_ms": round(1000 * sum(page_seconds) / len(paths), 2),
              "page_p50_ms": round(1000 * sorted(page_seconds)[len(paths) // 2], 2),
              "load_average": [round(x, 2) for x in os.getloadavg()]}
    if backend_seconds:
        report["backend_mean_ms"] = round(1000 * sum(backend_seconds) / len(backend_seconds),
                                          2)
        report["backend_p50_ms"] = round(
            1000 * sorted(backend_seconds)[len(backend_seconds) // 2], 2)
    if args.show_sql:  # the last page's statements, in order
        report["sql_of_last_page"] = last_sql
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.profile).print_stats(args.profile_lines)
        report["profile"] = out.getvalue()
        if args.profile_dump:  # for pstats (print_callers) or snakeviz
            profiler.dump_stats(str(args.profile_dump))
    return report


def _wrk(reviewers: int, seconds: int, env: dict[str, str], base: str) -> dict:
    """One wrk run of ``seconds`` with one thread and connection per reviewer; the JSON
    line ``search_load.lua`` prints."""
    done = subprocess.run(
        ["wrk", "-t", str(reviewers), "-c", str(reviewers), "-d", f"{seconds}s",
         "--timeout", "30s", "-s", str(LUA), base],
        env=env, capture_output=True, text=True, check=True)
    return json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])


def _python_reviewer(base: str, cookie: str, paths: list[str], index: int, think_ms: int,
                     until: float, out: dict) -> None:
    """One reviewer as a browser behaves: one keep-alive connection, a pause drawn from an
    exponential distribution after each answer, and a new connection (its time counted in
    that page's latency) when the server has closed the idle one."""
    import http.client
    import random

    parsed = urllib.parse.urlsplit(base)
    rng = random.Random(index * 7919)
    n = index * 13
    conn = None
    latencies, bad, reconnects, after_reconnect = [], 0, 0, []
    while time.monotonic() < until:
        n += 1
        path = paths[n % len(paths)]
        started = time.monotonic()
        for attempt in (1, 2):
            if conn is None:
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                body = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                conn = None
                reconnects += 1
                if attempt == 2:
                    raise
        latencies.append(time.monotonic() - started)
        if attempt == 2:
            after_reconnect.append(latencies[-1])
        if response.status != 200 or PAGE_MARKERS["search"] not in body:
            bad += 1
        if think_ms:
            time.sleep(min(rng.expovariate(1000 / think_ms), max(0.0, until - time.monotonic())))
    if conn is not None:
        conn.close()
    out[index] = {"latencies": latencies, "bad": bad, "reconnects": reconnects,
                  "after_reconnect": after_reconnect}


def _python_clients(reviewers: int, seconds: int, think_ms: int, base: str,
                    cookies: list[str], paths: list[str]) -> dict:
    """``--client python``: the same reviewers, paths and pauses as the wrk run, one thread
    each (a check of wrk's figures: its latency accounting around connections the server
    closed during a pause is not proven)."""
    import threading

    out: dict[int, dict] = {}
    started = time.monotonic()
    until = started + seconds
    threads = [threading.Thread(target=_python_reviewer,
                                args=(base, cookies[i % len(cookies)], paths, i + 1, think_ms,
                                      until, out)) for i in range(reviewers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(x * 1000 for r in out.values() for x in r["latencies"])
    reconnected = sorted(x * 1000 for r in out.values() for x in r["after_reconnect"])

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2) \
            if latencies else 0.0

    return {"client": "python", "requests": len(latencies), "responses": len(latencies),
            "bad": sum(r["bad"] for r in out.values()), "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 2), "p50_ms": pct(0.50),
            "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": round(latencies[-1], 2) if latencies else 0.0,
            "mean_ms": round(sum(latencies) / len(latencies), 2) if latencies else 0.0,
            "errors": {"reconnects": sum(r["reconnects"] for r in out.values())},
            "reconnected_max_ms": round(reconnected[-1], 2) if reconnected else None,
            "reviewers_answered": len(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True,
                        help="a data dir kept by search_scale.py --keep (DIR/<size>)")
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--queries", type=int, default=50, help="distinct queries per kind")
    parser.add_argument("--think-ms", type=int, default=0,
                        help="pause of each reviewer after each answer (ms)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds of the same load sent first and not counted (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, help="raqib serve --workers (default: its own)")
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk",
                        help="who sends the load: wrk (default) or one Python thread per "
                        "reviewer that reconnects as a browser does (to check wrk's tail)")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    parser.add_argument("--in-process", type=int, default=0, metavar="N",
                        help="no server: render N pages in this process and report where "
                        "the time goes (SQL statements, backend time)")
    parser.add_argument("--page", choices=tuple(PAGE_MARKERS), default="search",
                        help="with --in-process: which page to render (default search)")
    parser.add_argument("--url", help="with --in-process: render this URL instead (any page "
                        "the first reviewer may open; its fixed cost, for instance)")
    parser.add_argument("--show-sql", action="store_true",
                        help="with --in-process: also list the last page's SQL statements")
    parser.add_argument("--profile", choices=("tottime", "cumulative"),
                        help="with --in-process: cProfile's top functions by this order")
    parser.add_argument("--profile-lines", type=int, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--profile-dump", type=Path, help="with --profile: also write the raw "
                        "cProfile statistics to this file")
    args = parser.parse_args()
    size = int(args.home.name) if args.home.name.isdigit() else 0
    if args.in_process:
        password = secrets.token_urlsafe(18)
        _add_reviewers(args.home, 1, password)
        report = in_process(args.home, size, args)
        print(report.pop("profile", ""))
        print(json.dumps(report, indent=2))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))
        return
    if args.client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk; scripts/setup.sh does)")
    password = secrets.token_urlsafe(18)
    users = _add_reviewers(args.home, args.reviewers, password)
    server, base = _serve(args.home, args.workers)
    try:
        cookies = [_login(base, user, password) for user in users]
        with tempfile.TemporaryDirectory(prefix="raqib-load-") as work:
            paths_file, cookies_file = Path(work) / "paths", Path(work) / "cookies"
            paths_file.write_text("\n".join(search_paths(size or 100_000, args.seed,
                                                         args.queries)) + "\n")
            cookies_file.write_text("\n".join(cookies) + "\n")
            env = {**os.environ, "RAQIB_LOAD_PATHS": str(paths_file),
                   "RAQIB_LOAD_COOKIES": str(cookies_file),
                   "RAQIB_LOAD_THINK_MS": str(args.think_ms)}
            if args.client == "python":
                paths = paths_file.read_text().split()

                def load(seconds: int) -> dict:
                    return _python_clients(args.reviewers, seconds, args.think_ms, base,
                                           cookies, paths)
            else:
                def load(seconds: int) -> dict:
                    return _wrk(args.reviewers, seconds, env, base)
            warmup = load(args.warmup) if args.warmup else None
            started = time.time()
            done = load(args.duration)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = done
    report = {"segments": size, "reviewers": args.reviewers, "duration_s": args.duration,
              "workers": args.workers, "client": args.client,
              "think_ms": args.think_ms, "think": "exponential" if args.think_ms else "none",
              "started": started, "cpus": os.cpu_count(), **result,
              "warmup": ({"seconds": args.warmup, **{k: warmup[k] for k in (
                  "requests", "p50_ms", "p95_ms", "max_ms", "bad")}} if warmup else None)}
    print(f"| {size:,} | {args.reviewers} | {args.think_ms} | {result['requests']:,} | "
          f"{result['rps']} | "
          f"{result['p50_ms']} / {result['p95_ms']} / {result['p99_ms']} | "
          f"{result['bad']} bad, {sum(result['errors'].values())} "
          f"{'reconnects' if args.client == 'python' else 'socket errors'} |")
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
