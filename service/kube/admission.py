"""What the API server adds to a pod when it is created, as far as scheduling cares.

- :func:`with_default_tolerations` is the ``DefaultTolerationSeconds`` admission plugin
  (``plugin/pkg/admission/defaulttolerationseconds/admission.go``, on by default): unless the
  pod already has a toleration whose key is ``node.kubernetes.io/not-ready`` **or empty** and
  whose effect is ``NoExecute`` **or empty**, it gets
  ``{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute,
  tolerationSeconds: 300}``; the same for ``node.kubernetes.io/unreachable``
  (``--default-not-ready-toleration-seconds`` / ``--default-unreachable-toleration-seconds``,
  both 300). Pods read from a live cluster carry them already; pods made from a manifest get
  them here, as the API server would add them.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.kube.model import Toleration
from service.kube.wellknown import TAINT_NOT_READY, TAINT_UNREACHABLE

DEFAULT_TOLERATION_SECONDS = 300


def _covers(toleration: Toleration, key: str) -> bool:
    return toleration.key in ("", key) and toleration.effect in ("", "NoExecute")


def with_default_tolerations(tolerations: Sequence[Toleration]) -> tuple[Toleration, ...]:
    """The pod's tolerations once ``DefaultTolerationSeconds`` admitted it.

    Examples
    --------
    >>> [t.key for t in with_default_tolerations(())]
    ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']
    >>> len(with_default_tolerations((Toleration(operator="Exists"),)))
    1
    """
    added = tuple(
        Toleration(
            key=key, operator="Exists", effect="NoExecute", seconds=DEFAULT_TOLERATION_SECONDS
        )
        for key in (TAINT_NOT_READY, TAINT_UNREACHABLE)
        if not any(_covers(t, key) for t in tolerations)
    )
    return (*tolerations, *added) if added else tuple(tolerations)
