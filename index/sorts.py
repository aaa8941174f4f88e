"""The orders a search can be sorted in, in a module that imports nothing.

``index.base`` (``SearchRequest.sort``) and the command line's ``raqib search --sort``
both read ``SORTS`` from here, so the parser offers them without loading the search stage
(Django and the catalog; issue 26: ``raqib --help`` and every command build all parsers).
To add an order: add its name here and teach every backend in ``index.registry`` to sort
by it (``tests/index/test_contract.py``).
"""

SORTS = ("relevance", "aired_at", "-aired_at")
