"""Knowledge packs and the documents they cite: document → pack → validate → graph.

- :mod:`~service.packs.documents`: a source document, read once, its lines addressable;
- drafting (``archgraph draft``), document → draft → pack: :mod:`~service.packs.markdown`
  (a note's cited blocks), :mod:`~service.packs.lead_ins` (what a list's lead-in says),
  :mod:`~service.packs.resolve` (which known entity a phrase names),
  :mod:`~service.packs.draft` and :mod:`~service.packs.draft_items` (blocks → items),
  :mod:`~service.packs.pack_yaml` (the pack file a person reviews);
- :mod:`~service.packs.yamlmarks`, :mod:`~service.packs.pack_items`,
  :mod:`~service.packs.pack_sources`, :mod:`~service.packs.relation_tables`: a pack's YAML
  read with the line of every item, entities, relations and their citations;
- :mod:`~service.packs.problems`: every problem as ``file:line: message``;
- :mod:`~service.packs.coverage`: which citable units of a document no item quotes;
- :mod:`~service.packs.loader`: packs → the :class:`~service.knowledge.KnowledgeGraph`.

Import from the modules; this package imports nothing, so that the graph
(:mod:`service.knowledge`) can use :mod:`~service.packs.documents` without a circle.
"""
