"""The HTTP layer: access control, errors, the OpenAPI document, vendored assets and the views."""
