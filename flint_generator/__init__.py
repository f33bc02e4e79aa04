"""flint-generator: OpenAPI 3.0/3.1 -> typed Python package (models, httpx client, Starlette server stubs)."""

__version__ = "0.1.0"
