"""Interoperability: what Raqib hands to other tools.

``FORMATS`` names every partner CSV format of ``raqib incidents export --format NAME``
(``partner_csv``: Atlos and Uwazi import formats, public-profile redaction);
``export_partner_csv`` writes one. Outbound webhooks (``webhooks``) carry events to
receivers configured in ``raqib.toml``. To add a format: a ``PartnerFormat`` subclass in
``partner_csv`` and one line in ``FORMATS``, then its columns in ``docs/interop.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from review.interop.partner_csv import AtlosCSV, PartnerFormat, UwaziCSV, redacted
from review.models import Incident

FORMATS: dict[str, PartnerFormat] = {
    "atlos-csv": AtlosCSV(),
    "uwazi-csv": UwaziCSV(),
}


def export_partner_csv(name: str, incidents: Iterable[Incident], user: Any) -> str:
    """The incidents ``user`` may see, in the partner format ``name``, as CSV text."""
    return FORMATS[name].write(redacted(incident, user) for incident in incidents)
