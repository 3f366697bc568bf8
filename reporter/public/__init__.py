"""The public surface: every page lives under /<lang>/, needs no account and no JavaScript.

`language.py` makes the language-prefixed blueprints; `views.py` (landing, safety, the root
redirect), `reporter.reports.views` (the report form) and `reporter.followup.views` (receipts)
use it.
"""
