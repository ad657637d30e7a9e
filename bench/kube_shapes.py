"""Kubernetes objects in the shape ``kubectl get -o json`` prints them, for :mod:`bench.gen_cluster`.

Everything a real dump carries that an importer must skip is here: managed fields, node
images and addresses, container env, probes, volume mounts, the projected service-account
volume, container statuses. :class:`NodeShape` and :class:`DeploymentShape` say what varies.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

GI = 1 << 30
MI = 1 << 20
# (instance type, vCPU, memory GiB)
INSTANCE_TYPES = (
    ("m5.large", 2, 8),
    ("m5.xlarge", 4, 16),
    ("m5.2xlarge", 8, 32),
    ("c5.4xlarge", 16, 32),
    ("r5.2xlarge", 8, 64),
    ("m5.8xlarge", 32, 128),
    ("c5.9xlarge", 36, 72),
)
TAINTED_TYPE = "c5.9xlarge"
TAINT = {"key": "dedicated", "value": "batch", "effect": "NoSchedule"}
CPU_CHOICES = (50, 100, 100, 200, 250, 250, 500, 500, 1000)  # millicores
MEMORY_CHOICES = (64, 128, 128, 256, 256, 512, 1024, 2048, 4096)  # MiB
T0 = "2025-03-01T08:00:00Z"
T1 = "2025-03-02T09:30:00Z"


@dataclass
class NodeShape:
    name: str
    zone: str
    itype: str
    cpu: int  # allocatable millicores
    memory: int  # allocatable bytes
    free_cpu: int = 0
    free_memory: int = 0
    pods: int = 0
    ip: str = ""
    taints: list[dict[str, str]] = field(default_factory=list)


@dataclass
class DeploymentShape:
    namespace: str
    name: str
    replicas: int
    cpu: int
    memory: int
    limits_only: bool
    sidecar: bool
    spread: bool = False
    anti_affinity: bool = False
    tolerates: bool = False
    hash: str = ""
    old_hash: str | None = None
    uid: str = ""
    rs_uid: str = ""


def uid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def random_hash(rng: random.Random, n: int = 10) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


def unique(rng: random.Random, prefix: str, taken: set[str]) -> str:
    """``prefix`` + a random 5-character suffix not taken yet (as the API server's
    ``generateName`` retries on a clash)."""
    while True:
        name = prefix + random_hash(rng, 5)
        if name not in taken:
            taken.add(name)
            return name


def _fields(keys: list[str]) -> dict[str, Any]:
    """A ``fieldsV1`` tree naming ``keys`` (``f:spec`` > ``f:containers`` > ...)."""
    tree: dict[str, Any] = {}
    for key in keys:
        node = tree
        for part in key.split("."):
            node = node.setdefault(f"f:{part}", {})
    return tree


_POD_SPEC_FIELDS = _fields(
    [
        "metadata.generateName",
        "metadata.labels.app",
        "metadata.labels.pod-template-hash",
        "metadata.labels.team",
        "metadata.ownerReferences",
        "spec.containers",
        "spec.dnsPolicy",
        "spec.enableServiceLinks",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.securityContext",
        "spec.serviceAccount",
        "spec.serviceAccountName",
        "spec.terminationGracePeriodSeconds",
        "spec.volumes",
    ]
)
_POD_STATUS_FIELDS = _fields(
    [
        "status.conditions",
        "status.containerStatuses",
        "status.hostIP",
        "status.hostIPs",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.startTime",
    ]
)
_NODE_FIELDS = _fields(
    [
        "metadata.annotations.alpha.kubernetes.io/provided-node-ip",
        "metadata.annotations.node.alpha.kubernetes.io/ttl",
        "metadata.labels.beta.kubernetes.io/arch",
        "metadata.labels.beta.kubernetes.io/instance-type",
        "metadata.labels.beta.kubernetes.io/os",
        "metadata.labels.eks.amazonaws.com/nodegroup",
        "metadata.labels.kubernetes.io/hostname",
        "metadata.labels.topology.kubernetes.io/zone",
        "spec.providerID",
        "status.addresses",
        "status.allocatable",
        "status.capacity",
        "status.conditions",
        "status.daemonEndpoints",
        "status.images",
        "status.nodeInfo",
    ]
)


def _managed(
    manager: str, fields: dict[str, Any], subresource: str | None = None
) -> dict[str, Any]:
    entry = {
        "manager": manager,
        "operation": "Update",
        "apiVersion": "v1",
        "time": T1,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def node_object(n: NodeShape, rng: random.Random) -> dict[str, Any]:
    itype = next(t for t in INSTANCE_TYPES if t[0] == n.itype)
    capacity = {
        "attachable-volumes-aws-ebs": "25",
        "cpu": str(itype[1]),
        "ephemeral-storage": "104845292Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{itype[2] * GI // 1024}Ki",
        "pods": "110",
    }
    allocatable = {
        **capacity,
        "cpu": f"{n.cpu}m",
        "ephemeral-storage": "95551679124",
        "memory": f"{n.memory // 1024}Ki",
    }
    conditions = [
        {
            "type": kind,
            "status": "False",
            "lastHeartbeatTime": T1,
            "lastTransitionTime": T0,
            "reason": reason,
            "message": message,
        }
        for kind, reason, message in (
            (
                "MemoryPressure",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        )
    ]
    conditions.append(
        {
            "type": "Ready",
            "status": "True",
            "lastHeartbeatTime": T1,
            "lastTransitionTime": T0,
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
        }
    )
    images = [
        {
            "names": [
                f"602401143452.dkr.ecr.us-east-1.amazonaws.com/app-{k}@sha256:{rng.getrandbits(256):064x}",
                f"602401143452.dkr.ecr.us-east-1.amazonaws.com/app-{k}:v1.{k}.0",
            ],
            "sizeBytes": rng.randrange(10_000_000, 900_000_000),
        }
        for k in range(20)
    ]
    spec: dict[str, Any] = {"providerID": f"aws:///{n.zone}/i-0{rng.getrandbits(64):016x}"}
    if n.taints:
        spec["taints"] = n.taints
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": {
                "alpha.kubernetes.io/provided-node-ip": n.ip,
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": T0,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/instance-type": n.itype,
                "beta.kubernetes.io/os": "linux",
                "eks.amazonaws.com/capacityType": "ON_DEMAND",
                "eks.amazonaws.com/nodegroup": f"ng-{n.itype.replace('.', '-')}",
                "failure-domain.beta.kubernetes.io/region": "us-east-1",
                "failure-domain.beta.kubernetes.io/zone": n.zone,
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": n.name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": n.itype,
                "topology.kubernetes.io/region": "us-east-1",
                "topology.kubernetes.io/zone": n.zone,
            },
            "managedFields": [
                _managed("kubelet", _NODE_FIELDS, "status"),
                _managed(
                    "kube-controller-manager",
                    _fields(["metadata.annotations.node.alpha.kubernetes.io/ttl", "spec.podCIDR"]),
                ),
            ],
            "name": n.name,
            "resourceVersion": str(rng.randrange(10**6, 10**8)),
            "uid": uid(rng),
        },
        "spec": spec,
        "status": {
            "addresses": [
                {"address": n.ip, "type": "InternalIP"},
                {"address": n.name, "type": "InternalDNS"},
                {"address": n.name, "type": "Hostname"},
            ],
            "allocatable": allocatable,
            "capacity": capacity,
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images,
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": uid(rng),
                "containerRuntimeVersion": "containerd://1.7.25",
                "kernelVersion": "6.1.128-136.201.amzn2023.x86_64",
                "kubeProxyVersion": "v1.33.1-eks-b9b9b4f",
                "kubeletVersion": "v1.33.1-eks-b9b9b4f",
                "machineID": f"{rng.getrandbits(128):032x}",
                "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023.6.20250303",
                "systemUUID": uid(rng),
            },
        },
    }


def _container_spec(d: DeploymentShape) -> list[dict[str, Any]]:
    resources: dict[str, Any]
    if d.limits_only:
        resources = {"limits": {"cpu": f"{d.cpu}m", "memory": f"{d.memory // MI}Mi"}}
    else:
        resources = {
            "requests": {"cpu": f"{d.cpu}m", "memory": f"{d.memory // MI}Mi"},
            "limits": {"memory": f"{2 * d.memory // MI}Mi"},
        }
    env = [{"name": f"SETTING_{k}", "value": f"value-{k}-for-{d.name}"} for k in range(3)]
    env += [
        {
            "name": "POD_NAME",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
        },
        {
            "name": "POD_IP",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}},
        },
    ]
    probe = {
        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
        "failureThreshold": 3,
        "periodSeconds": 10,
        "successThreshold": 1,
        "timeoutSeconds": 1,
    }
    main = {
        "name": "app",
        "image": f"602401143452.dkr.ecr.us-east-1.amazonaws.com/{d.name}:v2.14.{len(d.name)}",
        "imagePullPolicy": "IfNotPresent",
        "env": env,
        "ports": [
            {"containerPort": 8080, "name": "http", "protocol": "TCP"},
            {"containerPort": 9090, "name": "metrics", "protocol": "TCP"},
        ],
        "livenessProbe": probe,
        "readinessProbe": {**probe, "initialDelaySeconds": 5},
        "resources": resources,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"mountPath": "/etc/app", "name": "config", "readOnly": True},
            {"mountPath": "/tmp", "name": "tmp"},
            {
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "name": "KUBE_API_ACCESS",
                "readOnly": True,
            },
        ],
    }
    containers = [main]
    if d.sidecar:
        containers.append(
            {
                "name": "envoy",
                "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 15000, "name": "admin", "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
        )
    return containers


def template_spec(d: DeploymentShape) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": _container_spec(d),
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": True,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {"fsGroup": 2000},
        "serviceAccount": d.name,
        "serviceAccountName": d.name,
        "terminationGracePeriodSeconds": 30,
        "volumes": [
            {"configMap": {"defaultMode": 420, "name": f"{d.name}-config"}, "name": "config"},
            {"emptyDir": {}, "name": "tmp"},
        ],
    }
    selector = {"matchLabels": {"app": d.name}}
    if d.spread:
        spec["topologySpreadConstraints"] = [
            {
                "labelSelector": selector,
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
            }
        ]
    if d.anti_affinity:
        spec["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": selector, "topologyKey": "kubernetes.io/hostname"}
                ]
            }
        }
    if d.tolerates:
        spec["tolerations"] = [
            {"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}
        ]
    return spec


def workload_objects(d: DeploymentShape, rng: random.Random) -> Iterator[dict[str, Any]]:
    labels = {"app": d.name, "team": d.namespace}
    template = {"metadata": {"creationTimestamp": None, "labels": labels}, "spec": template_spec(d)}
    meta = {
        "annotations": {"deployment.kubernetes.io/revision": "2" if d.old_hash else "1"},
        "creationTimestamp": T0,
        "generation": 2,
        "labels": labels,
        "name": d.name,
        "namespace": d.namespace,
        "resourceVersion": str(rng.randrange(10**6, 10**8)),
        "uid": d.uid,
    }
    yield {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": d.replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": d.name}},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate",
            },
            "template": template,
        },
        "status": {
            "availableReplicas": d.replicas,
            "observedGeneration": 2,
            "readyReplicas": d.replicas,
            "replicas": d.replicas,
            "updatedReplicas": d.replicas,
        },
    }
    for rs_hash, replicas in ((d.hash, d.replicas), (d.old_hash, 0)):
        if rs_hash is None:
            continue
        rs_labels = {**labels, "pod-template-hash": rs_hash}
        yield {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "creationTimestamp": T0,
                "labels": rs_labels,
                "name": f"{d.name}-{rs_hash}",
                "namespace": d.namespace,
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "blockOwnerDeletion": True,
                        "controller": True,
                        "kind": "Deployment",
                        "name": d.name,
                        "uid": d.uid,
                    }
                ],
                "resourceVersion": str(rng.randrange(10**6, 10**8)),
                "uid": d.rs_uid if rs_hash == d.hash else uid(rng),
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": d.name, "pod-template-hash": rs_hash}},
                "template": {
                    **template,
                    "metadata": {"creationTimestamp": None, "labels": rs_labels},
                },
            },
            "status": {"observedGeneration": 1, "replicas": replicas},
        }


def pod_object(
    name: str,
    namespace: str,
    labels: dict[str, str],
    owner: dict[str, Any],
    spec: dict[str, Any],
    node: NodeShape | None,
    containers: int,
    rng: random.Random,
) -> dict[str, Any]:
    token = f"kube-api-access-{random_hash(rng, 5)}"
    volumes = [
        *spec["volumes"],
        {
            "name": token,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {
                        "configMap": {
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                            "name": "kube-root-ca.crt",
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "fieldRef": {
                                        "apiVersion": "v1",
                                        "fieldPath": "metadata.namespace",
                                    },
                                    "path": "namespace",
                                }
                            ]
                        }
                    },
                ],
            },
        },
    ]
    pod_spec = {
        **spec,
        "volumes": volumes,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": spec.get("priority", 0),
        "tolerations": [
            *spec.get("tolerations", []),
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
            {
                "effect": "NoExecute",
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "tolerationSeconds": 300,
            },
        ],
    }
    pod_ip = f"10.{100 + rng.randrange(50)}.{rng.randrange(256)}.{rng.randrange(256)}"
    if node is not None:
        pod_spec["nodeName"] = node.name
        status: dict[str, Any] = {
            "conditions": [
                {"lastProbeTime": None, "lastTransitionTime": T0, "status": "True", "type": kind}
                for kind in (
                    "PodReadyToStartContainers",
                    "Initialized",
                    "Ready",
                    "ContainersReady",
                    "PodScheduled",
                )
            ],
            "containerStatuses": [
                {
                    "containerID": f"containerd://{rng.getrandbits(256):064x}",
                    "image": c["image"],
                    "imageID": f"{c['image'].split(':')[0]}@sha256:{rng.getrandbits(256):064x}",
                    "lastState": {},
                    "name": c["name"],
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": T0}},
                }
                for c in spec["containers"][:containers]
            ],
            "hostIP": node.ip,
            "hostIPs": [{"ip": node.ip}],
            "phase": "Running",
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "qosClass": "Burstable",
            "startTime": T0,
        }
    else:
        status = {
            "conditions": [
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": T1,
                    "message": "0/5000 nodes are available: 5000 Insufficient cpu. preemption: 0/5000 nodes are available: 5000 No preemption victims found for incoming pod.",
                    "reason": "Unschedulable",
                    "status": "False",
                    "type": "PodScheduled",
                }
            ],
            "phase": "Pending",
            "qosClass": "Burstable",
        }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "annotations": {
                "kubectl.kubernetes.io/restartedAt": T0,
                "prometheus.io/scrape": "true",
            },
            "creationTimestamp": T0,
            "generateName": name[: name.rfind("-") + 1],
            "labels": labels,
            "managedFields": [
                _managed("kube-controller-manager", _POD_SPEC_FIELDS),
                _managed("kubelet", _POD_STATUS_FIELDS, "status"),
            ],
            "name": name,
            "namespace": namespace,
            "ownerReferences": [owner],
            "resourceVersion": str(rng.randrange(10**6, 10**8)),
            "uid": uid(rng),
        },
        "spec": _with_token(pod_spec, token),
        "status": status,
    }


def _with_token(spec: dict[str, Any], token: str) -> dict[str, Any]:
    containers = []
    for c in spec["containers"]:
        mounts = c.get("volumeMounts")
        if mounts:
            c = {
                **c,
                "volumeMounts": [
                    {**m, "name": token} if m["name"] == "KUBE_API_ACCESS" else m for m in mounts
                ],
            }
        containers.append(c)
    return {**spec, "containers": containers}
