"""What the pipeline runs for re-airings and on-screen text, contained at the step.

``after_download``: fingerprint the captured audio and match it against the archive
(``reairings.enabled``). ``before_transcription``: read the on-screen text into the ``ocr``
track and suggest the persons named (``ocr.enabled``); the index stage that follows
indexes it with the speech. Both never raise: a failure (no fpcalc, audio-only media,
a broken file) is logged with the broadcast id and the broadcast goes on through the
pipeline; ``raqib reairings find`` re-runs the fingerprint step, ``raqib reairings ocr``
the OCR step, for any broadcast.
"""

from __future__ import annotations

import logging
from typing import Any

from catalog.fencing import ClaimLost
from catalog.models import Broadcast, Transcript
from reairings.fingerprint import fingerprint_broadcast
from reairings.links import match_broadcast
from reairings.models import Reairing
from reairings.ocr import read_broadcast
from reairings.screen_names import suggest_persons

log = logging.getLogger("raqib.reairings")


def fingerprint_and_match(broadcast: Broadcast, config: Any) -> list[Reairing]:
    """Fingerprint ``broadcast`` (replacing an earlier one) and match it; may raise."""
    fingerprint_broadcast(broadcast, config.data_dir)
    return match_broadcast(broadcast, config)


def ocr_broadcast(broadcast: Broadcast, config: Any) -> Transcript | None:
    """OCR ``broadcast`` into its ``ocr`` track and suggest named persons; may raise."""
    transcript = read_broadcast(broadcast, config)
    if transcript is not None:
        suggest_persons(transcript)
    return transcript


def after_download(broadcast: Broadcast, config: Any) -> None:
    if not config.get("reairings.enabled"):
        return
    try:
        links = fingerprint_and_match(broadcast, config)
    except ClaimLost:  # the claim was taken over: the stage stops here, writing nothing
        raise
    except Exception as exc:  # noqa: BLE001 - logged, never fails the download
        log.warning("fingerprint failed", extra={"broadcast": broadcast.pk,
                                                  "error": f"{type(exc).__name__}: {exc}"})
        return
    log.info("fingerprinted", extra={"broadcast": broadcast.pk, "links": len(links)})


def before_transcription(broadcast: Broadcast, config: Any) -> None:
    if not config.get("ocr.enabled"):
        return
    try:
        transcript = ocr_broadcast(broadcast, config)
    except ClaimLost:  # the claim was taken over: the stage stops here, writing nothing
        raise
    except Exception as exc:  # noqa: BLE001 - logged, never fails the transcription
        log.warning("ocr failed", extra={"broadcast": broadcast.pk,
                                          "error": f"{type(exc).__name__}: {exc}"})
        return
    if transcript is not None:
        log.info("ocr done", extra={"broadcast": broadcast.pk,
                                    "lines": transcript.segments.count()})
