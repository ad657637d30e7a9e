"""A Kubernetes cluster as data: the model (:mod:`~service.kube.model`), well-known labels
and taints (:mod:`~service.kube.wellknown`), and the matching rules every controller shares
(:mod:`~service.kube.selectors`). No behaviour over time lives here: that is
:mod:`service.simulation`."""
