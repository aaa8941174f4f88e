"""Parser of ``raqib persons add|list|show`` (handlers: ``raqib.commands.persons``).

To add a sub-command: register its parser here with ``flags.set_handler``.
"""

from __future__ import annotations

import argparse

from raqib.commands import flags
from raqib.commands.acting import add_person_arguments

HANDLERS = "raqib.commands.persons"
KINDS = ("detainee", "relative", "witness", "official", "presenter", "activist", "other")


def add_by(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """The person the command acts for (``raqib.commands.acting``: a token or a sign-in;
    ``--by`` only checks it). ``required`` is kept for the callers' reading: every command
    that names a person needs one."""
    add_person_arguments(parser)


def register(sub: argparse._SubParsersAction) -> None:
    persons = sub.add_parser("persons", help="persons who appear on air or are targeted")
    persons_sub = persons.add_subparsers(dest="persons_command", metavar="COMMAND",
                                         required=True)
    add = persons_sub.add_parser(
        "add", help="add a person", description="Add a person: the name as captured "
        "(Arabic), other spellings, a Latin transliteration.")
    add.add_argument("name", help="the name as captured, e.g. \"د. أماني بلور\"")
    add.add_argument("--variant", action="append", default=[], metavar="V",
                     help="another spelling (repeat for several)")
    add.add_argument("--latin", default="", help="a Latin transliteration")
    add.add_argument("--kind", choices=KINDS, default="other", help="kind of person")
    add.add_argument("--restricted", action="store_true",
                     help="visible to leads, admins and assigned reviewers only")
    add.add_argument("--public-act-on", metavar="YYYY-MM-DD", default=None,
                     help="date of the person's public act (testimony, a publication)")
    add.add_argument("--public-act", default="", help="what that public act was")
    add_by(add, required=False)
    flags.add_format(add)
    flags.set_handler(add, f"{HANDLERS}:add_command")
    listing = persons_sub.add_parser("list", help="list or search persons",
                                     description="List persons, or those whose names "
                                     "(any spelling, Arabic-normalised) hold every word.")
    listing.add_argument("query", nargs="?", default="", help="words of a name (optional)")
    add_by(listing, required=False)
    flags.add_format(listing)
    flags.set_handler(listing, f"{HANDLERS}:list_command")
    show = persons_sub.add_parser("show", help="a person and their appearances")
    show.add_argument("person", help="a name, a spelling or #ID")
    add_by(show, required=False)
    flags.add_format(show)
    flags.set_handler(show, f"{HANDLERS}:show_command")
