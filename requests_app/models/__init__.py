"""The tables of requests_app, one module for each kind of thing:

    requests.py        a request and its person (DataSubject, SubjectKey, RightsRequest)
    events.py          a request's append-only, hash-chained history (RequestEvent)
    tokens.py          the requester's verification codes and status links
    correspondence.py  a case's messages and attachments
    fulfilment.py      the tasks that carry out a request in each data system
    claims.py          compensation claims
    outbox.py          reminders, emails and webhook deliveries, each sent once
    log.py             the transparency log's tables
    drp.py             the Data Rights Protocol's agents, tokens, requests and callbacks
    tallies.py         how often an organisation's closed requests have changed (the desk's cache key)

with the two things that work on rows alone: sealing texts under a person's key
(sealed.py) and many rows in one statement (bulk.py). Imports nothing of requests_app
but money.py. Every table and choice is re-exported here, so the rest of the code (and
migration 0001's `requests_app.models.attachment_path`) imports from requests_app.models.
"""

# In the order the modules build on one another; each imports what it needs from the
# others directly, never through this package, so none waits on a half-built package.
from requests_app.models.requests import (  # noqa: F401
    DataSubject, SubjectKey, RequestStatus, RequestKind, FiledBy, RightsRequest,
)
from requests_app.models.events import AppendOnlyQuerySet, RequestEvent  # noqa: F401
from requests_app.models.tokens import VerificationChallenge, StatusLink  # noqa: F401
from requests_app.models.correspondence import Message, attachment_path, Attachment  # noqa: F401
from requests_app.models.fulfilment import TaskStatus, FulfilmentTask  # noqa: F401
from requests_app.models.claims import ClaimStatus, CompensationClaim  # noqa: F401
from requests_app.models.outbox import (  # noqa: F401
    Threshold, Reminder, NextReminder, NotificationKind, Notification, EventDelivery,
)
from requests_app.models.log import (  # noqa: F401
    LogLeaf, LogNode, PendingEntry, SignedTreeHead, TreeState,
)
from requests_app.models.drp import (  # noqa: F401
    DrpAgent, DrpToken, DrpMessage, DrpRequest, DrpCallback,
)
from requests_app.models.tallies import ClosedRequestsVersion  # noqa: F401
