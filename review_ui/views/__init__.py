"""The review UI's screens, one module per screen.

=================  ==========================================================
``auth``           login and logout (Django's views with the UI's template)
``account``        second factor (enrolment, token), re-authentication, password change
``search``         full-text search with facets (form in ``search_forms``)
``broadcasts``     the broadcast list and the broadcast viewer
``media``          the evidence file, streamed with byte ranges
``tags``           adding and removing tags on a broadcast or a segment
``alerts``         the review queue: alerts, incidents waiting for a lead
``watchlists``     standing queries: list, create, (de)activate
``incident_list``  incidents with filters and facet counts
``persons``        persons: list and search, add, a person's timeline
``vocabulary``     the signs-of-coercion vocabulary leads maintain
``sources``        admin pages for sources (form in ``sources_forms``)
``common``         helpers shared by list screens: query parameters, pages
=================  ==========================================================

Rules every screen follows: each view carries ``@role_required(...)`` (or
``signed_in_view``/``public_view``; the role is checked on the server; the navigation only
hides links; ``tests/review_ui/test_security_matrix.py`` walks every URL with every role),
changes are POSTs with the CSRF token, and captured text reaches templates autoescaped
through ``bidi_safe``. A form lives next to its screen: in the screen module when it is a
few lines, else in ``<screen>_forms.py``.

To add a screen: write ``views/<screen>.py`` with its views, add one line per view to
``review_ui/urls.py`` and, if it belongs in the header, one ``NavItem`` to
``review_ui/navigation.py``. This package's ``__init__`` imports nothing, so the screen
modules may import each other and ``common`` without a cycle.
"""
