"""Rights requests, from the form to the certificate. Its parts, each importing only the
parts below it (tests/test_imports.py holds the order; README.md draws it):

    management, urls, apps    commands and Django's entry points
    demo                      the demonstration, played through the real steps
    tasks, templatetags, admin  the worker's tasks; template tags; the admin site
    api, drp                  the REST API; the Data Rights Protocol 1.0 for authorised agents
    oversight                 the regulators' read-only pages over granted organisations
    desk, public              the officers' pages; the requester's pages
    fulfilment                carrying out an approved request in each data system
    workflow                  changing a case: the steps, their rules and effects, the sweeps
    delivery                  mail, SMS, event webhooks and DRP callbacks, through their outboxes
    reports                   the yearly public transparency report: figures read from the cases
    evidence                  a case's or an order's signed bundle for a court, checked offline
    cases                     reading a case: deadlines, selectors, documents, codes
    transparency              each request's hash chain and the public log
    models                    the tables
    errors, actors, money, broker  the words every part shares
"""
