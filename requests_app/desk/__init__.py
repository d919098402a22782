"""The officers' desk at /desk/: the queue, the case page and its steps, the dashboard,
letters, reports and bulk work, for the members of one organisation.

Views are thin: they parse, make one workflow call (or selector) and render. May import
everything below it (workflow, fulfilment, cases, delivery, models); never the public
pages or the API, which build on it.
"""
