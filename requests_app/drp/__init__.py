"""The Data Rights Protocol 1.0 (Consumer Reports' DRP), business side: the PIP interface
under /v1/ through which registered authorised agents file, follow and revoke requests.

    messages.py  signed messages: opened in the protocol's order, each taken once
    agents.py    agents and their pair-wise bearer tokens
    filing.py    a DRP request filed as an agent's request (CCPA regs §7063); revocation
    views.py     the endpoints; urls.py their paths; admin.py the agents in the admin

and, in the layers below it (tests/test_imports.py), what the workflow's steps need on
every change of a DRP request: the tables of rights, states and reasons onto Rightsdesk's
kinds, statuses and grounds (cases/drp_states.py), the Exercise Status object
(cases/drp_status.py), and the status callbacks' outbox (delivery/drp_callbacks.py).
The tables are in requests_app/models/drp.py.
"""
