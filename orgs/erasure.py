"""Deleting and restricting biometric records: one at a time for a request, in chunks for orders."""


def run_next_chunk(order_id: int) -> bool:
    raise NotImplementedError


def open_retention_orders() -> list[int]:
    raise NotImplementedError
