"""Regular expressions written by admins and operators (a source's ``url_pattern``),
compiled with RE2 so that matching takes linear time.

A pattern such as ``(a+)+$`` makes Python's backtracking ``re`` run for exponential time
on a crafted URL: an outlet (or whoever holds an admin's session) could stall a crawl
worker with one sitemap entry. RE2 (``google-re2``) matches in time linear in the input
whatever the pattern; what it cannot do that way (backreferences, lookarounds) it refuses
to compile, and so does ``compile_pattern``, with a readable reason that the config check
and the source form show. To compile another configured pattern: call
``compile_pattern`` (and ``check_pattern`` in the schema's ``VALUE_CHECKS``).
"""

from __future__ import annotations

from typing import Any

import re2

# RE2 refuses a program bigger than this (bytes of memory): a pathological pattern is
# refused at compile time rather than grown without bound.
MAX_MEMORY = 8 << 20


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # the reason is reported by the caller, not on stderr
    options.max_mem = MAX_MEMORY
    return options


def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (``search``/``match`` like ``re``); ValueError if RE2
    cannot compile it (its syntax is Python's minus backreferences and lookarounds)."""
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"a regular expression string, got {pattern!r}")
    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"not a valid regular expression ({detail}): {pattern!r}; patterns are "
            "matched by RE2 in linear time, which has no backreferences or "
            "lookarounds") from None
