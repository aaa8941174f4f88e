"""A partner's script for the Raqib API (docs/api.md): search, open a hit, propose an
incident with a reviewer's token, then confirm it with a lead's token.

    RAQIB_URL=https://raqib.example.org \\
    RAQIB_REVIEWER_TOKEN=raqib_... RAQIB_LEAD_TOKEN=raqib_... \\
    python docs/examples/partner.py "أماني"

It prints one JSON line: the hit it opened and the incident it proposed and confirmed.
Any refusal of the API is an RFC 9457 problem document; the script prints its ``detail``
and exits 1. Needs only ``httpx``. tests/api/test_partner_example.py runs this file, as it
is, against a live ``raqib serve``.
"""

from __future__ import annotations

import json
import os
import sys

import httpx


class Refused(Exception):
    """The API said no (4xx/5xx); the message is its problem document's detail."""


def client(token: str) -> httpx.Client:
    """A client that sends the token in the Authorization header (never in the URL)."""
    return httpx.Client(base_url=os.environ["RAQIB_URL"].rstrip("/") + "/api/v1/",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)


def call(api: httpx.Client, method: str, path: str, **kwargs: object) -> dict:
    response = api.request(method, path, **kwargs)
    if response.status_code >= 400:
        problem = response.json()  # application/problem+json
        raise Refused(f"{method} {path}: {problem['status']} {problem['title']}: "
                      f"{problem.get('detail', '')}")
    return response.json()


def main(query: str) -> dict:
    reviewer = client(os.environ["RAQIB_REVIEWER_TOKEN"])
    lead = client(os.environ["RAQIB_LEAD_TOKEN"])

    # 1. Search (the query language of docs/query-language.md), newest first.
    page = call(reviewer, "GET", "search/", params={"q": query, "sort": "-aired_at"})
    if not page["results"]:
        raise Refused(f"no hit for {query!r}")
    hit = page["results"][0]

    # 2. Open the hit: its broadcast and the transcript lines around it.
    broadcast = call(reviewer, "GET", f"broadcasts/{hit['broadcast_id']}/")
    lines = call(reviewer, "GET", f"broadcasts/{hit['broadcast_id']}/segments/")["results"]
    around = [s for s in lines if s["end"] > hit["start"] - 5 and s["start"] < hit["end"] + 5]

    # 3. Propose an incident on the hit's time range and send it for review.
    incident = call(reviewer, "POST", "incidents/", json={
        "broadcast_id": hit["broadcast_id"], "start": hit["start"], "end": hit["end"],
        "title": f"{broadcast['outlet']}: {hit['text'][:80]}",
        "notes": "\n".join(s["text"] for s in around), "confidence": "medium",
        "send_for_review": True})

    # 4. Another person, a lead, records a blind assessment and confirms. Each change
    #    sends back the version it read: had anyone changed it since, the API would
    #    answer 409 and nothing would be saved.
    seen = call(lead, "GET", f"incidents/{incident['id']}/")
    assessed = call(lead, "POST", f"incidents/{incident['id']}/assessments/", json={
        "confidence": "high", "note": "voice and setting match", "version": seen["version"]})
    confirmed = call(lead, "POST", f"incidents/{incident['id']}/status/", json={
        "status": "confirmed", "version": assessed["version"]})
    return {"hit": {"broadcast_id": hit["broadcast_id"], "start": hit["start"],
                    "text": hit["text"]},
            "incident": {"id": confirmed["id"], "status": confirmed["status"],
                         "proposed_by": confirmed["proposed_by"],
                         "decided_by": confirmed["decided_by"]}}


if __name__ == "__main__":
    try:
        print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "أماني"),
                         ensure_ascii=False))
    except Refused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        sys.exit(1)
