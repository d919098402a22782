"""The history nobody can rewrite: each request's hash chain of events (audit.py) and
the public, append-only log of every request event (RFC 9162's Merkle tree, as
Certificate Transparency logs keep theirs).

Each event's hash (requests_app/transparency/audit.py) becomes a leaf. A sequencer (`integrate`)
takes the events written since it last ran, appends them as leaves in the order they
were written, stores the hash of every complete subtree, and signs the new tree head
with an Ed25519 key that lives in a file, never in the database. Signed heads are
published at /log/ and to a checkpoint file. Anyone who kept a head can ask for a
consistency proof to the next, and a requester can check their certificate's event
with an inclusion proof: a rewrite, a dropped tail or an emptied table is found by
whoever holds an older head, even if the database's owner did it.

Modules: audit (each request's chain: appending an event, checking the chain), tree (the Merkle tree over them), heads (signing and the
checkpoint format), sequencer (appending), proofs (what is handed out), verify (the
whole check that `manage.py verify_audit_chain` runs), views (the public pages).
May import requests_app.models (its tables are models/log.py); nothing of the workflow.
"""
