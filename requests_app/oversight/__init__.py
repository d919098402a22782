"""The regulators' desk (/oversight/, namespace "oversight"): read-only pages over the
organisations an administrator granted to a regulator's authority for a period
(orgs/oversight.py), every page and file opened recorded in the organisation's history,
and the orders and inquiries a regulator sends (orgs/oversight_orders.py).

The organisation's side, the history of views and the orders to answer, is on its desk
(requests_app/desk/oversight_views.py, /desk/oversight/).
"""
