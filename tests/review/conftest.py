"""Fixtures for the rules tests: the rules read in English here, as the CLI reads them.

The rules modules raise errors with translatable messages (``review.errors``); the site's
default language is Arabic (for the web pages), and the CLI activates English
(``raqib.commands.runtime.prepare_django``). These tests call the rules directly, as the
CLI does, and assert its English messages; ``tests/review_ui/test_refusal_language.py``
reads the same refusals in Arabic and English through the pages.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield
