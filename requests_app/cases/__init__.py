"""Reading a case: what the rows of a request mean, without changing them.

Its deadlines and reminders (deadlines.py, reminders.py), who may see which requests and
tasks (selectors.py), the person behind a request (subjects.py), the outcomes a record can
have (outcomes.py), the files a case keeps (files.py, exports.py, downloads.py), the codes
and links handed to a requester (tokens.py), and the documents a case produces: its letters
and certificate (documents.py) and the whole case file (casefile.py).

May import requests_app.models, .transparency and the shared words (errors, actors,
money); never the workflow, delivery or any page. Changing a case is requests_app.workflow's.
"""
