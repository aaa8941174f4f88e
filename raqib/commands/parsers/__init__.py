"""Parser modules of the ``raqib`` commands, one per command group, each with
``register(subparsers)``; see ``raqib.commands`` for how to add a command."""
