"""Admin for rights requests and their history: a window onto the case, never a way round it.

Every status change goes through requests_app.workflow, which writes the audit event; an
admin form that saved a request would change it off the record. So requests and
everything hanging off them are read-only here, and the audit events can be neither
added, edited nor deleted. Django's autodiscovery imports this package, and importing
each module registers its admins: rights_requests.py (a request with its whole case),
events.py (the audit record), subjects.py (the people and their data keys),
case_records.py (the rest of a case, as lists), and the transparency log's tables
(requests_app/transparency/admin.py), and the Data Rights Protocol's agents (requests_app/drp/admin.py).
"""

from requests_app.admin import case_records, events, rights_requests, subjects  # noqa: F401 (imported to register)
from requests_app.drp import admin as drp_admin  # noqa: F401 (imported to register)
from requests_app.transparency import admin as transparency_admin  # noqa: F401 (imported to register)
