"""The flow "cluster dump → scenario": what users already have, as a cluster to simulate.

1. :mod:`~.reading` — paths (files, support-bundle folders, ``-``) or text to Kubernetes
   objects, JSON or YAML (:mod:`~.yaml_documents`), kinds inferred where dumps leave them out;
2. :mod:`~.decode` — typed msgspec structs of only the fields the simulation reads;
3. :mod:`~.convert` — objects to a :class:`~service.kube.model.ClusterSnapshot`: nodes and
   version (:mod:`~.nodes`), pod specs counted as the scheduler counts them and stored once
   (:mod:`~.pod_specs`, :mod:`~.scheduling_terms`), controllers resolved to the top workload
   (:mod:`~.owners`, :mod:`~.workloads`, :mod:`~.inferred`), what cannot be simulated
   reported;
4. :mod:`~.scenario_file` — the versioned scenario file ``archgraph import-cluster`` writes and
   ``archgraph serve --scenarios DIR`` serves.

:mod:`~.importer` runs 1–3 in one call; :mod:`~.report` words a snapshot's summary.
Mistakes anywhere are collected as :class:`~service.errors.SnapshotProblem`\\ s
(``file: path.to.field: message``) and raised together as
:class:`~service.errors.SnapshotError`.
"""
