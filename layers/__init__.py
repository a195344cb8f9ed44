"""The community's GeoJSON layers: schema, sources, validation and loading."""

from layers.community import Community, load_community, validate_directory
from layers.errors import LayerError, LayerIssue, LayerValidationError
from layers.schema import SCHEMA_BY_NAME, SCHEMAS, LayerSchema
from layers.source import GeoJSONDirectory, LayerSource

__all__ = [
    "SCHEMAS",
    "SCHEMA_BY_NAME",
    "Community",
    "GeoJSONDirectory",
    "LayerError",
    "LayerIssue",
    "LayerSchema",
    "LayerSource",
    "LayerValidationError",
    "load_community",
    "validate_directory",
]
