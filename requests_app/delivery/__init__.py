"""What leaves the building: mail and text messages to people (notifications.py, sms.py),
signed event webhooks to subscribers (event_webhooks.py, signing.py, destinations.py),
the status links they carry (status_links.py), and the outbox both deliveries share
(outbox.py: a row first, then the send, claimed by one worker at a time).

May import requests_app.models, .cases and the shared words; it queues its sends through
requests_app.broker by task name. Never the workflow: a step asks for a delivery, a
delivery never takes a step.
"""
