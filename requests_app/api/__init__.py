"""The REST API at /api/v1/ (Django REST Framework): the requester's (citizen*), the
officers' (officer.py), the owners' (owner.py) and the data systems' (systems.py), with
its token authentication, permissions, errors and OpenAPI schema.

The same calls as the pages: it may import the desk's filters and pagination, the
public site's intake helpers, and everything below them; nothing imports the API but
the URLs and the account page's token tag.
"""
