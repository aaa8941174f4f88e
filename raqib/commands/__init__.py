"""Command modules of the ``raqib`` command line; see ``raqib.cli`` for how to add one."""
