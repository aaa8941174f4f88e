"""The review app: what people do with the catalog's broadcasts.

Tags and their vocabulary (``tagging``), monitors' standing searches (``watchlists``) and
the alerts they raise (``alerts``); persons (``persons``) and incidents (``incidents``: the
records; ``workflow``: the statuses, the two-person rule and the blind second review;
``incident_json``: JSON and CSV), with their own models (``models``: the review app's
tables, ``review_*``) and the rules of who may do what (``roles``). Evidence packages
(``evidence``), partner CSV formats (``interop``) and outbound webhooks (``webhooks``: an
outbox written with the change, posted by the scheduler) carry records out.
Services here write rows and audit every action (``catalog.audit``); they use the
index stage for
matching (``index.watch_match``, ``index.es_percolator``) and search, never the
orchestrator, the tasks or the command line. To add a review feature: a module here with its
service functions, called by a screen (``review_ui.views``) and a command
(``raqib.commands``).
"""
