"""The Data Rights Protocol 1.0 (Consumer Reports' DRP), business side: the PIP interface
under /v1/ through which registered authorised agents file, follow and revoke requests.

    mapping.py   DRP rights, states and reasons onto Rightsdesk's kinds, statuses and grounds
    messages.py  signed messages: opened in the protocol's order, each taken once
    agents.py    agents and their pair-wise bearer tokens
    filing.py    a DRP request filed as an agent's request (CCPA regs §7063); revocation
    status.py    the Exercise Status object
    callbacks.py status callbacks to the agent, through an outbox
    views.py     the endpoints; urls.py their paths; admin.py the agents in the admin
"""
