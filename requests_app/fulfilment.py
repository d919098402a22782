"""Carrying out an approved request in every data system that may hold the person's data."""


def begin(request_id: int) -> None:
    """Start fulfilment of an approved request (SYSTEM actor); no-op if already started."""
    raise NotImplementedError


def run_task(task_id: int) -> None:
    raise NotImplementedError


def complete_if_done(request_id: int) -> None:
    raise NotImplementedError


def flag_silent_tasks() -> int:
    raise NotImplementedError
