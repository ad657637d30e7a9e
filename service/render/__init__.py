"""Rendering answers for wikis: Markdown, HTML fragments, Mermaid and SVG.

Pure functions from the query layer's results to text, one module per answer
(``comparison``, ``recommendation``, ``stack_path``, ``blast_radius``, ``entity``,
``failure``); :mod:`service.render.answers` lists them with their arguments and
formats. The HTTP layer (``service/http/embed.py``) only picks one and sets headers.
"""
