"""Markdown notes the drafting tests write: one of each block ``archgraph draft`` reads."""

from __future__ import annotations

# A comparison table (with an escaped pipe and a code span), two "when" lists (one item
# over two lines), a "combine both" list, an arrow chain, and failure statements.
MICROVM_NOTE = """\
# Containers vs MicroVMs

## Comparison

| Aspect | MicroVMs | Containers |
|--------|----------|------------|
| Boot Time | ~125 ms \\| cold | Sub-second |
| Isolation | Hardware virtualization (`KVM`) | Kernel namespaces and cgroups |
| Density | Thousands per host | Highest per host |

## Choosing

Choose a MicroVM when:

- You run untrusted code
  from many tenants.
- A kernel exploit must not cross tenants.

Where containers win:

- Density matters most.
- You already run Kubernetes.

You combine both when:

- Each tenant gets a MicroVM running its own containers.

## The stack

Bare Metal → Firecracker → MicroVMs → Containers

If the host kernel panics, every container on it fails.
If Firecracker crashes, its MicroVMs go down.
"""

# Prose only: nothing the draft turns into entities.
PROSE_NOTE = """\
# Thoughts

We looked at several options and will decide next quarter.
"""
