"""Workload controllers and disruption budgets as the simulation's controllers read them.

The desired state comes from the object's spec, with the API server's defaults where a
manifest leaves a field out (``pkg/apis/apps/v1/defaults.go``, ``pkg/apis/batch/v1/defaults.go``):

- **Deployment**, **ReplicaSet**, **StatefulSet**: ``replicas`` (1); the pod template's
  labels and spec (stored once in the :class:`~service.snapshots.pod_specs.SpecTable`);
  ``selector`` (a template-labels selector when missing, as ``extensions/v1beta1`` allowed);
  update settings — Deployment ``RollingUpdate`` ``maxUnavailable``/``maxSurge`` 25 %/25 %,
  none for ``Recreate``; StatefulSet ``podManagementPolicy`` (``OrderedReady``) and
  ``maxUnavailable`` 1 (none for ``OnDelete``).
- **DaemonSet**: no replica count (one pod per eligible node); ``maxUnavailable`` 1,
  ``maxSurge`` 0.
- **Job** (``pkg/controller/job/job_controller.go``): the pods it still wants running —
  ``parallelism`` (1) capped by the completions left (``completions − status.succeeded``);
  with no ``completions`` (a work queue), ``parallelism`` until one pod succeeded, then none;
  none once ``suspend``\\ ed or finished (a ``Complete`` or ``Failed`` condition).
- **PodDisruptionBudget** (``pkg/apis/policy``): ``minAvailable`` or ``maxUnavailable``
  (an integer or ``"N%"``, not both), ``unhealthyPodEvictionPolicy``; an empty selector
  selects every pod of the namespace in ``policy/v1`` and none in ``policy/v1beta1``.

A ReplicaSet owned by a Deployment is not a workload of its own: the Deployment is (see
:mod:`~service.snapshots.owners`).
"""

from __future__ import annotations

import re

from service.kube.model import DisruptionBudget, LabelSelector, Workload
from service.snapshots.decode import (
    DisruptionBudgetSpecIn,
    IntOrString,
    JobStatusIn,
    TemplateIn,
    WorkloadSpecIn,
)
from service.snapshots.pod_specs import Converted, SpecTable
from service.snapshots.problems import At
from service.snapshots.scheduling_terms import label_selector

WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job")
_PERCENT = re.compile(r"\d+%")


def int_or_percent(value: IntOrString | None, at: At, field: str) -> int | str | None:
    """An ``IntOrString`` that must be a non-negative integer or a percentage."""
    if value is None:
        return None
    if isinstance(value, int):
        if value < 0:
            at.problem(f"{value} must be at least 0", field)
            return None
        return value
    if _PERCENT.fullmatch(value):
        return value
    at.problem(f"{value!r} is not an integer or a percentage such as '25%'", field)
    return None


def template_spec(
    template: TemplateIn | None, table: SpecTable, at: At, *, admit: bool = True
) -> tuple[Converted | None, dict[str, str]]:
    """The template's stored spec (None after problems) and its labels."""
    if template is None or template.spec is None:
        at.problem("a pod template is required", "template.spec")
        return None, {}
    labels = dict((template.metadata.labels if template.metadata else None) or {})
    return table.add(template.spec, labels, at, "template.spec", admit=admit), labels


def _update_settings(
    kind: str, spec: WorkloadSpecIn, at: At
) -> tuple[int | str | None, int | str | None]:
    defaults: tuple[int | str | None, int | str | None]
    if kind == "Deployment":
        strategy, field, defaults = spec.strategy, "strategy", ("25%", "25%")
        types = ("RollingUpdate", "Recreate")
    elif kind == "DaemonSet":
        strategy, field, defaults = spec.update_strategy, "updateStrategy", (1, 0)
        types = ("RollingUpdate", "OnDelete")
    elif kind == "StatefulSet":
        strategy, field, defaults = spec.update_strategy, "updateStrategy", (1, None)
        types = ("RollingUpdate", "OnDelete")
    else:
        return None, None
    kind_of = at.choice(strategy.type if strategy else None, types, f"{field}.type", types[0])
    if kind_of != "RollingUpdate":
        return None, None
    rolling = strategy.rolling_update if strategy else None
    unavailable = rolling.max_unavailable if rolling else None
    surge = rolling.max_surge if rolling else None
    prefix = f"{field}.rollingUpdate"
    return (
        defaults[0]
        if unavailable is None
        else int_or_percent(unavailable, at, f"{prefix}.maxUnavailable"),
        defaults[1] if surge is None else int_or_percent(surge, at, f"{prefix}.maxSurge"),
    )


def job_replicas(spec: WorkloadSpecIn, status: JobStatusIn | None) -> int:
    """The pods a Job still wants running (see the module docstring)."""
    parallelism = 1 if spec.parallelism is None else spec.parallelism
    completions = spec.completions
    if completions is None and spec.parallelism is None:
        completions = 1
    finished = any(
        c.type in ("Complete", "Failed") and c.status == "True"
        for c in (status.conditions if status else None) or ()
    )
    if spec.suspend or finished:
        return 0
    succeeded = (status.succeeded if status else None) or 0
    if completions is None:
        return parallelism if succeeded == 0 else 0
    return max(0, min(parallelism, completions - succeeded))


def convert_workload(
    kind: str,
    namespace: str,
    name: str,
    spec: WorkloadSpecIn | None,
    job_status: JobStatusIn | None,
    table: SpecTable,
    at: At,
) -> tuple[Workload | None, tuple[str, ...]]:
    """The workload (None after problems) and the features its template uses we do not model."""
    spec = spec or WorkloadSpecIn()
    spec_at = at.at("spec")
    converted, labels = template_spec(spec.template, table, spec_at, admit=kind != "DaemonSet")
    selector = label_selector(spec.selector, spec_at.at("selector"))
    if selector is None:
        selector = LabelSelector(match_labels=labels)
    max_unavailable, max_surge = _update_settings(kind, spec, spec_at)
    if kind == "DaemonSet":
        replicas: int | None = None
    elif kind == "Job":
        replicas = job_replicas(spec, job_status)
    else:
        replicas = 1 if spec.replicas is None else spec.replicas
        if replicas < 0:
            spec_at.problem(f"{replicas} must be at least 0", "replicas")
    policy = "OrderedReady"
    if kind == "StatefulSet":
        policy = spec_at.choice(
            spec.pod_management_policy, ("OrderedReady", "Parallel"), "podManagementPolicy", policy
        )
    if converted is None:
        return None, ()
    workload = Workload(
        kind=kind,  # type: ignore[arg-type]
        namespace=namespace,
        name=name,
        template=converted.index,
        replicas=replicas,
        selector=selector,
        pod_management_policy=policy,  # type: ignore[arg-type]
        max_unavailable=max_unavailable,
        max_surge=max_surge,
    )
    return workload, converted.unmodelled


def convert_budget(
    namespace: str,
    name: str,
    api_version: str,
    spec: DisruptionBudgetSpecIn | None,
    at: At,
) -> DisruptionBudget:
    """A PodDisruptionBudget (see the module docstring)."""
    spec = spec or DisruptionBudgetSpecIn()
    spec_at = at.at("spec")
    selector = label_selector(spec.selector, spec_at.at("selector"))
    if (
        selector is not None
        and api_version.endswith("v1beta1")
        and not selector.match_labels
        and not selector.match_expressions
    ):
        selector = None
    min_available = int_or_percent(spec.min_available, spec_at, "minAvailable")
    max_unavailable = int_or_percent(spec.max_unavailable, spec_at, "maxUnavailable")
    if min_available is not None and max_unavailable is not None:
        spec_at.problem("minAvailable and maxUnavailable cannot both be set")
    policy = spec_at.choice(
        spec.unhealthy_pod_eviction_policy,
        ("IfHealthyBudget", "AlwaysAllow"),
        "unhealthyPodEvictionPolicy",
        "IfHealthyBudget",
    )
    return DisruptionBudget(
        namespace=namespace,
        name=name,
        selector=selector,
        min_available=min_available,
        max_unavailable=max_unavailable,
        unhealthy_pod_eviction_policy=policy,  # type: ignore[arg-type]
    )
