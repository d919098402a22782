"""The errors of requests_app: the one family the workflow raises (views map them to a form
error, a 404 or a 409), and the transient one of a system or endpoint that cannot be
reached now."""


class WorkflowError(Exception):
    """A step the workflow refuses; its message is fit to show the person who tried."""


class TransitionNotAllowed(WorkflowError):
    """The request (or claim) is not in a state where this step is possible."""


class NotPermitted(WorkflowError):
    """The actor may not take this step on this request (wrong role or organisation)."""


class InvalidInput(WorkflowError):
    """The step's inputs are missing or wrong; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str] | str]):
        self.errors = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        super().__init__("; ".join(str(m) for msgs in self.errors.values() for m in msgs))


class VerificationFailed(WorkflowError):
    """The one-time code was wrong, expired, or tried too often."""


class Unavailable(Exception):
    """The system cannot be reached now (down, slow, 5xx); the task is retried later."""
