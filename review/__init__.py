"""The review app: what people do with the catalog's broadcasts.

Tags and their vocabulary (``tagging``), monitors' standing searches (``watchlists``) and
the alerts they raise (``alerts``); incidents and evidence exports come next. Services here
write catalog rows and audit every action (``catalog.audit``); they use the index stage for
matching (``index.watch_match``, ``index.es_percolator``) and search, never the
orchestrator, the tasks or the command line. To add a review feature: a module here with its
service functions, called by a screen (``review_ui.views``) and a command
(``raqib.commands``).
"""
