"""Re-airings and on-screen text: audio fingerprints, re-airing links between broadcasts,
and the OCR track read from the video's lower third.

A stage-level app (below the orchestrator, above ``catalog``/``index``/``review``):
``fingerprint`` computes Chromaprint fingerprints after download, ``matching`` finds a
stretch of one broadcast inside another, ``links`` turns matches into reviewed links,
``ocr`` reads on-screen text into an ``ocr`` transcript track and ``screen_names`` suggests
the known persons named on screen. ``stage`` is what ``raqib.pipeline`` calls.
"""
