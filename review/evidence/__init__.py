"""Evidence packages: one BagIt bag (RFC 8493) per incident that a court, a UN mechanism or
a partner archive can check without trusting Raqib.

``package.export_bag`` writes it (originals, lossless clip cuts, capture side files,
transcripts, the incident record and summary, custody events and the audit-chain slice,
the organisation's Ed25519 signature over the tag manifest from ``signing``, RFC 3161
timestamps over it from ``tsa``; ``files`` keeps links and special files out, ``redact``
makes the public profile); ``verify_bag`` (standard library and ``openssl`` only, copied
into every bag as ``verify.py``) checks one. To add something
to the package: write it under ``data/`` in ``package.export_bag`` (the manifest covers it)
and, if the verify script must check more than its hash, teach ``verify_bag`` too.
"""
