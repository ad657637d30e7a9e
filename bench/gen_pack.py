"""Generate a synthetic, valid knowledge pack of a chosen size (target 4, "big packs").

The pack has the shape of a real fleet, so that stack paths and blast radii do real
work on it:

- a stack forest ``ctr runs_on pod runs_on node runs_on vm runs_on host runs_on
  region runs_on fleet-cloud`` (about six hops from a container to the root);
- ``uses_kernel`` (containers share their VM's guest kernel), ``runs_os``,
  ``isolated_by`` and ``part_of`` (pods of deployments, nodes of clusters,
  containers of services), all of which blast radius follows;
- hubs: two resources every container ``requests``, three isolation tiers, five
  operating systems, and cross-links (``concerns``, ``provides``, ``manages`` ...)
  whose targets are skewed towards a few popular services;
- one source document, ``fleet.md``, with one line per entity; every entity and
  every relation quotes its line verbatim; cross-links cite shared "convention"
  lines, so many relations carry the very same quote.

Entities are written in block style and relations in flow style, one per line,
like the built-in pack, in files of ``chunk`` items each.

With ``--table`` the relations go into ``*.relations.csv`` tables instead (same
relations, same citations), the compact form the loader also accepts.

Usage::

    python -m bench.gen_pack OUT_DIR [--entities 100000] [--relations 1000000] [--table]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

GENERATOR_VERSION = 1
CACHE = Path(__file__).resolve().parent / ".cache"
# Relation types cross-links use: none of them is a stack hop or spreads failure, and none
# carries meaning for comparison, recommendation or failure chains.
CROSS_TYPES = ("concerns", "provides", "manages", "defines", "creates", "schedules", "is_a")
TIERS = (
    ("tier-hardware", "Hardware-level virtualization", 3),
    ("tier-sandbox", "Sandboxed containers", 2),
    ("tier-process", "Process-level isolation", 1),
)


@dataclass(frozen=True)
class PackShape:
    """How many entities of each level a pack of ``entities`` entities holds."""

    entities: int
    relations: int
    seed: int = 7
    chunk: int = 10_000
    table: bool = False  # relations as ``*.relations.csv`` tables instead of YAML
    regions: int = field(init=False)
    hosts: int = field(init=False)
    vms: int = field(init=False)
    clusters: int = field(init=False)
    pods: int = field(init=False)
    deployments: int = field(init=False)
    containers: int = field(init=False)
    services: int = field(init=False)
    conventions: int = field(init=False)

    def __post_init__(self) -> None:
        n = self.entities
        sizes = {
            "regions": max(1, n // 10_000),
            "hosts": max(1, n // 100),
            "vms": max(1, n // 20),
            "clusters": max(1, n // 1_000),
            "pods": max(1, n // 4),
            "deployments": max(1, n // 40),
            "containers": max(1, n // 2),
            "conventions": max(10, n // 100),
        }
        for name, value in sizes.items():
            object.__setattr__(self, name, value)
        # root + regions + hosts + vms (+ one kernel and one node each) + clusters + pods
        # + deployments + containers + 5 OSes + 3 tiers + 2 resources; services fill the rest.
        fixed = 1 + self.regions + self.hosts + 3 * self.vms + self.clusters + self.pods
        fixed += self.deployments + self.containers + 5 + 3 + 2
        object.__setattr__(self, "services", n - fixed)
        if self.services < 1:
            raise ValueError(f"{n} entities are too few for the fleet shape")
        if self.relations < self.structural_relations():
            raise ValueError(
                f"{self.relations} relations are fewer than the {self.structural_relations()} "
                "the stack itself needs"
            )

    def structural_relations(self) -> int:
        return (
            self.regions
            + 2 * self.hosts
            + 4 * self.vms
            + 2 * self.vms  # nodes: runs_on vm, part_of cluster
            + self.clusters
            + 2 * self.pods
            + self.deployments
            + 6 * self.containers
        )

    def key(self) -> str:
        text = json.dumps([GENERATOR_VERSION, asdict(self)], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class _Writer:
    """Accumulates document lines, entities and relations in the pack's YAML."""

    lines: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    relations: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    triples: set[tuple[str, str, str]] = field(default_factory=set)

    def line(self, text: str) -> int:
        self.lines.append(text)
        return len(self.lines)

    def entity(
        self, id: str, kind: str, name: str, line: int, attributes: str = "", alias: str = ""
    ) -> None:
        block = [f"  - id: {id}", f"    kind: {kind}", f"    name: {name}"]
        if alias:
            block.append(f"    aliases: [{alias}]")
        if attributes:
            block.append(f"    attributes: {attributes}")
        block.append(f'    sources: [{{line: {line}, quote: "{id}"}}]')
        self.entities.append("\n".join(block))

    def relation(self, source: str, type: str, target: str, line: int, quote: str) -> bool:
        triple = (source, type, target)
        if triple in self.triples:
            return False
        self.triples.add(triple)
        self.relations.append((source, type, target, line, quote))
        return True


def _fleet(shape: PackShape, rng: random.Random, w: _Writer) -> list[str]:
    """Write the stack forest; returns every entity id (cross-link candidates)."""
    ids: list[str] = []
    w.line("# Generated fleet")
    w.line("")
    w.line("## Conventions")
    conventions = [
        w.line(f"Convention {i:05d}: teams write down every link they rely on.")
        for i in range(shape.conventions)
    ]
    w.line("## Shared platform")
    root = "fleet-cloud"
    w.entity(root, "layer", "Fleet cloud", w.line(f"{root} hosts every region."), alias="cloud")
    ids.append(root)
    for tier, name, strength in TIERS:
        at = w.line(f"{tier}: {name} isolates workloads.")
        w.entity(tier, "isolation-tier", name, at, attributes=f"{{strength: {strength}}}")
        ids.append(tier)
    oses = [f"os-{i}" for i in range(5)]
    for os_id in oses:
        w.entity(os_id, "operating-system", f"OS {os_id[-1]}", w.line(f"{os_id} is maintained."))
        ids.append(os_id)
    for res in ("res-cpu", "res-memory"):
        at = w.line(f"{res} is requested by containers.")
        w.entity(res, "resource", res[4:].upper(), at)
        ids.append(res)
    services = [f"svc-{i:05d}" for i in range(shape.services)]
    for svc in services:
        w.entity(svc, "architecture", f"Service {svc[4:]}", w.line(f"{svc} is a team's service."))
        ids.append(svc)
    clusters = [f"cluster-{i:03d}" for i in range(shape.clusters)]

    def spread(total: int, parents: list[str]) -> Iterator[tuple[int, str]]:
        """Children 0..total-1 with their parent, parents taking equal shares in order."""
        for i in range(total):
            yield i, parents[i * len(parents) // total]

    regions = [f"region-{i:03d}" for i in range(shape.regions)]
    hosts = [f"host-{i:05d}" for i in range(shape.hosts)]
    vms = [f"vm-{i:06d}" for i in range(shape.vms)]
    pods = [f"pod-{i:07d}" for i in range(shape.pods)]
    deployments = [f"deploy-{i:05d}" for i in range(shape.deployments)]
    region_of_host = dict((hosts[i], r) for i, r in spread(shape.hosts, regions))
    host_of_vm = dict((vms[i], h) for i, h in spread(shape.vms, hosts))
    node_of_pod = dict((pods[i], "node" + v[2:]) for i, v in spread(shape.pods, vms))
    pods_by_node: dict[str, list[str]] = {}
    for pod, node in node_of_pod.items():
        pods_by_node.setdefault(node, []).append(pod)
    pod_parent = dict(spread(shape.containers, pods))
    containers_by_pod: dict[str, list[int]] = {}
    for i, pod in pod_parent.items():
        containers_by_pod.setdefault(pod, []).append(i)
    vms_by_host: dict[str, list[str]] = {}
    for vm, host in host_of_vm.items():
        vms_by_host.setdefault(host, []).append(vm)
    hosts_by_region: dict[str, list[str]] = {}
    for host, region in region_of_host.items():
        hosts_by_region.setdefault(region, []).append(host)

    for cluster_index, cluster in enumerate(clusters):
        region = regions[cluster_index * len(regions) // len(clusters)]
        at = w.line(f"{cluster} is part of {region}.")
        w.entity(cluster, "layer", f"Cluster {cluster[8:]}", at)
        w.relation(cluster, "part_of", region, at, f"{cluster} is part of {region}")
        ids.append(cluster)
    for d, deployment in enumerate(deployments):
        cluster = clusters[d * len(clusters) // len(deployments)]
        at = w.line(f"{deployment} is part of {cluster}.")
        w.entity(deployment, "kubernetes-object", f"Deployment {deployment[7:]}", at)
        w.relation(deployment, "part_of", cluster, at, f"part of {cluster}")
        ids.append(deployment)

    for region in regions:
        w.line(f"## Region {region[7:]}")
        at = w.line(f"{region} runs on {root}.")
        w.entity(region, "layer", f"Region {region[7:]}", at)
        w.relation(region, "runs_on", root, at, f"{region} runs on {root}")
        ids.append(region)
        for host in hosts_by_region.get(region, []):
            os_id = rng.choice(oses)
            at = w.line(f"{host} runs on {region} and runs {os_id}.")
            w.entity(host, "layer", f"Host {host[5:]}", at)
            w.relation(host, "runs_on", region, at, f"{host} runs on {region}")
            w.relation(host, "runs_os", os_id, at, f"runs {os_id}")
            ids.append(host)
            for vm in vms_by_host.get(host, []):
                kernel, node = "kernel" + vm[2:], "node" + vm[2:]
                cluster = clusters[int(vm[3:]) * len(clusters) // shape.vms]
                os_id = rng.choice(oses)
                at = w.line(f"{kernel} is the guest kernel of {vm}.")
                w.entity(kernel, "kernel", f"Kernel {vm[3:]}", at, attributes="{shared: false}")
                at = w.line(
                    f"{vm} runs on {host}, uses {kernel}, runs {os_id}, isolated by tier-hardware."
                )
                w.entity(vm, "platform", f"VM {vm[3:]}", at)
                w.relation(vm, "runs_on", host, at, f"{vm} runs on {host}")
                w.relation(vm, "uses_kernel", kernel, at, f"uses {kernel}")
                w.relation(vm, "runs_os", os_id, at, f"runs {os_id}")
                w.relation(vm, "isolated_by", "tier-hardware", at, "isolated by tier-hardware")
                at = w.line(f"{node} runs on {vm} and is part of {cluster}.")
                w.entity(node, "kubernetes-object", f"Node {vm[3:]}", at)
                w.relation(node, "runs_on", vm, at, f"{node} runs on {vm}")
                w.relation(node, "part_of", cluster, at, f"part of {cluster}")
                ids += [kernel, vm, node]
                for pod in pods_by_node.get(node, []):
                    deployment = deployments[int(pod[4:]) * len(deployments) // shape.pods]
                    at = w.line(f"{pod} runs on {node} and is part of {deployment}.")
                    w.entity(pod, "kubernetes-object", f"Pod {pod[4:]}", at)
                    w.relation(pod, "runs_on", node, at, f"{pod} runs on {node}")
                    w.relation(pod, "part_of", deployment, at, f"part of {deployment}")
                    ids.append(pod)
                    for c in containers_by_pod.get(pod, []):
                        ctr, tier = f"ctr-{c:07d}", "tier-process" if c % 7 else "tier-sandbox"
                        svc = services[int(len(services) * rng.random() ** 2)]
                        at = w.line(
                            f"{ctr} runs on {pod}, uses {kernel}, isolated by {tier}, "
                            f"part of {svc}, requests cpu and memory."
                        )
                        w.entity(ctr, "platform", f"Container {c:07d}", at)
                        w.relation(ctr, "runs_on", pod, at, f"{ctr} runs on {pod}")
                        w.relation(ctr, "uses_kernel", kernel, at, f"uses {kernel}")
                        w.relation(ctr, "isolated_by", tier, at, f"isolated by {tier}")
                        w.relation(ctr, "part_of", svc, at, f"part of {svc}")
                        w.relation(ctr, "requests", "res-cpu", at, "requests cpu and memory")
                        w.relation(ctr, "requests", "res-memory", at, "requests cpu and memory")
                        ids.append(ctr)
    _cross_links(shape, rng, w, ids, services, conventions)
    return ids


def _cross_links(
    shape: PackShape,
    rng: random.Random,
    w: _Writer,
    ids: list[str],
    services: list[str],
    conventions: list[int],
) -> None:
    """Fill up to ``shape.relations`` with links whose targets favour a few services."""
    while len(w.relations) < shape.relations:
        source = rng.choice(ids)
        if rng.random() < 0.7:
            target = services[int(len(services) * rng.random() ** 3)]
        else:
            target = rng.choice(ids)
        if source == target:
            continue
        number = rng.randrange(len(conventions))
        w.relation(
            source, rng.choice(CROSS_TYPES), target, conventions[number], f"Convention {number:05d}"
        )


def generate(out: Path, shape: PackShape) -> Path:
    """Write the pack for ``shape`` into ``out`` (replacing it); returns ``out``."""
    rng = random.Random(shape.seed)
    w = _Writer()
    _fleet(shape, rng, w)
    if len(w.entities) != shape.entities or len(w.relations) != shape.relations:
        raise AssertionError(
            f"generated {len(w.entities)} / {len(w.relations)}"
        )  # pragma: no cover
    if out.exists():
        shutil.rmtree(out)
    (out / "sources").mkdir(parents=True)
    (out / "sources" / "fleet.md").write_text("\n".join(w.lines) + "\n", encoding="utf-8")
    for n, start in enumerate(range(0, len(w.entities), shape.chunk)):
        body = "\n".join(w.entities[start : start + shape.chunk])
        text = f"# generated by bench/gen_pack.py\ndocument: fleet.md\nentities:\n{body}\n"
        (out / f"entities-{n:03d}.yaml").write_text(text, encoding="utf-8")
    for n, start in enumerate(range(0, len(w.relations), shape.chunk)):
        rows = w.relations[start : start + shape.chunk]
        if shape.table:
            with (out / f"relations-{n:03d}.relations.csv").open("w", newline="") as f:
                table = csv.writer(f, lineterminator="\n")
                table.writerow(("source", "type", "target", "document", "line", "quote"))
                table.writerows((s, t, o, "fleet.md", line, q) for s, t, o, line, q in rows)
            continue
        body = "\n".join(
            f"  - {{source: {s}, type: {t}, target: {o}, "
            f'sources: [{{line: {line}, quote: "{q}"}}]}}'
            for s, t, o, line, q in rows
        )
        text = f"# generated by bench/gen_pack.py\ndocument: fleet.md\nrelations:\n{body}\n"
        (out / f"relations-{n:03d}.yaml").write_text(text, encoding="utf-8")
    (out / "shape.json").write_text(json.dumps(asdict(shape)), encoding="utf-8")
    return out


def cached_pack(entities: int, relations: int, table: bool = False, seed: int = 7) -> Path:
    """The pack for that size under ``bench/.cache/`` (gitignored), generated once."""
    shape = PackShape(entities, relations, seed, table=table)
    form = "csv" if table else "yaml"
    out = CACHE / f"pack-{entities}-{relations}-{form}-{shape.key()}"
    if not (out / "shape.json").is_file():
        generate(out, shape)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--table", action="store_true", help="relations as CSV tables")
    args = parser.parse_args(argv)
    generate(args.out, PackShape(args.entities, args.relations, args.seed, table=args.table))
    print(f"wrote {args.out}: {args.entities} entities, {args.relations} relations")


if __name__ == "__main__":
    main()
