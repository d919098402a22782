"""Evidence bundles: one ZIP per case or per erasure order, for a court or a regulator,
that anyone can check offline with the script inside it.

bundles.py gathers what a bundle holds (a case: its case file as HTML, PDF and JSON,
every event with its inclusion proof against one signed tree head, the request's hash
chain, its files' hashes and the files the requester agreed to share, its certificate and
device receipts; an order: its certificate, progress and device receipts); archive.py
writes the ZIP byte for byte the same each time, with a manifest of every member's
SHA-256 signed by the transparency log's key; verify_bundle.py is the standalone checker
(Python's standard library and `cryptography`, no Django), copied into every bundle as
verify.py.

May import requests_app.cases, .transparency, .models and orgs; never the workflow (the
desk records an export through it after building, requests_app/desk/evidence_views.py).
"""
