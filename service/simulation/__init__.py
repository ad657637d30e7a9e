"""Kubernetes over time on an imported cluster (layer 3: pure, no strawberry).

:mod:`~service.simulation.state` is the mutable cluster every step works on; the scheduler
modules place pods on it as kube-scheduler does; the controller modules move it through
failures.
"""
