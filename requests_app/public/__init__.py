"""The requester's pages, with no account: the request form, the code, the status page
and its steps (answer, withdraw, appeal, claim compensation, add evidence), certificates
and letters, behind rate limits.

May import the workflow and everything below it; never the desk or the API.
"""
