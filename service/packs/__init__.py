"""Knowledge packs and the documents they cite: document → pack → validate → graph.

- :mod:`~service.packs.documents`: a source document, read once, its lines addressable;
- :mod:`~service.packs.yamlmarks`, :mod:`~service.packs.pack_items`,
  :mod:`~service.packs.pack_sources`, :mod:`~service.packs.relation_tables`: a pack's YAML
  read with the line of every item, entities, relations and their citations;
- :mod:`~service.packs.problems`: every problem as ``file:line: message``;
- :mod:`~service.packs.coverage`: which citable units of a document no item quotes;
- :mod:`~service.packs.loader`: packs → the :class:`~service.knowledge.KnowledgeGraph`.

Import from the modules; this package imports nothing, so that the graph
(:mod:`service.knowledge`) can use :mod:`~service.packs.documents` without a circle.
"""
