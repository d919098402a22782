"""The demo a person sees after `make run`: `manage.py seed_demo` and `manage.py demo_vendor`.

Five organisations (the Hangzhou park of China's first facial-recognition lawsuit, a
Nanjing property sales office, a Hangzhou housing estate, an Amsterdam museum pass and a
Californian gym), their people, data systems, processing activities and biometric
records, and rights requests in every status, built only through the real code: every
step through requests_app.workflow, every fulfilment through requests_app.fulfilment and
its connectors (the vault erases a person's records with an `erase_record` event each and
the certificate lists them), each replayed at its moment in the past. Nothing writes a
status, a date, a record's state or an event by hand.

    data.py       the tables: organisations, logins, systems, activities, people, records
    reference.py  writes the tables' organisations, logins, systems and records (idempotent)
    scanners.py   the register of scanners: collection points, devices, impact assessments
    filing.py     the park over the filing threshold: its crowd of pass holders, its open filing
    scenes.py     the requests, one story each (SCENARIOS)
    engine.py     Scene: replays a story's steps at past dates, as subject, officer or worker
    quiet.py      what is silenced while seeding (mail, broker, noisy loggers)
    seed.py       one run: reference data, then the scenarios not seeded yet
    documents.py  the scanned documents the stories attach (one-page PDFs)
    vendor.py     the fake gate vendor `make run` starts (Procfile `vendor`)

Imports: the demo may import anything of orgs and requests_app (models, workflow,
fulfilment, tasks, subjects); nothing outside it imports the demo but its two management
commands and the tests. Inside, data.py, documents.py, quiet.py and vendor.py import no
other demo module (vendor.py never touches the database: all it knows comes signed in
each request); the rest import downwards: seed -> reference, scenes -> engine -> data.
This file imports nothing, so `demo_vendor` loads only vendor.py.
"""
