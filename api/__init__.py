"""The HTTP API under ``/api/v1/``: JSON for programs, a surface like the review UI and the CLI.

Built on Django REST framework with drf-spectacular (the OpenAPI document in
``docs/openapi.json`` is generated from these views and is the contract). Every view calls
the same rules modules as the review UI (``review.workflow``, ``review.incidents``,
``review.persons``, ``review.alerts``, ``review.watchlists``, ``review.tagging``, the search
backend of ``index``); no rule lives here. Requests authenticate with a personal access
token (``accounts.tokens``) in the ``Authorization: Bearer`` header only; each view declares
the role and token scope each method needs (``api.permissions``). Errors are RFC 9457
problem details (``api.problems``), lists are cursor-paged (``api.pagination``), and each
token has a rate limit (``api.throttling``). To add an endpoint: a view in ``api/views/``
deriving ``api.views.base.ApiView`` with its ``access`` declaration and ``extend_schema``,
a line in ``api/urls.py``, then ``raqib api-schema --write`` (or the drift test's hint) to
regenerate ``docs/openapi.json``.
"""
