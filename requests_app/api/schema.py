"""The OpenAPI schema as the API's users read it.

drf-spectacular turns view and serializer docstrings into descriptions; here those are
notes for the engineers (what a class owns, why a query is shaped so), so the published
schema keeps only what `extend_schema` and the fields' help texts say to callers.
"""

from drf_spectacular.drainage import get_override
from drf_spectacular.openapi import AutoSchema


class PublicAutoSchema(AutoSchema):
    def get_description(self):
        return ""  # extend_schema(description=...) still overrides this where it is given

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if not get_override(serializer, "description"):
            schema.pop("description", None)
        return schema
