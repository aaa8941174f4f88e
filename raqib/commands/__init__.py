"""The commands of the ``raqib`` command line, in two halves per command group.

``raqib/commands/parsers/GROUP.py`` builds the group's argparse parsers (no Django, no
handler imported: ``raqib --help`` reads only these) and names each command's handler by
dotted path; ``raqib/commands/GROUP.py`` holds the handlers, imported by ``raqib.cli``
only when its command runs and after Django is set up, so it imports models at the top.
Shared pieces: ``flags`` (one helper per flag several commands take, and
``set_handler``), ``output`` (``emit`` for the json/table switch, ``CommandError`` for
user errors) and ``runtime`` (Django set-up, handler loading).

To add a command: add its parser to a parser module (or a new one, listed in
``raqib.cli.COMMANDS``) with ``flags.set_handler(parser, "raqib.commands.GROUP:function",
needs_django=...)``; write ``function(args) -> int`` in the handler module, printing with
``output.emit`` and raising ``output.CommandError`` for a problem the user can fix; and
document the command in ``docs/cli.md``.
"""
