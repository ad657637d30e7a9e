"""Reasoning over the knowledge graph: pure functions ``f(kg, ...)`` that never import
strawberry or FastAPI. Each validates its arguments first and raises an
:class:`~service.errors.ArchgraphError` subclass naming what was wrong."""
