"""Typed Python client for archgraph's GraphQL API.

>>> from archgraph_client import ArchgraphClient
>>> with ArchgraphClient("http://127.0.0.1:8000") as archgraph:  # doctest: +SKIP
...     archgraph.recommendation(["strong-security-isolation"]).choice
<Choice.VIRTUAL_MACHINE: 'VIRTUAL_MACHINE'>
"""

from archgraph_client.client import ArchgraphClient, AsyncArchgraphClient
from archgraph_client.entities import (
    Attribute,
    Direction,
    Entity,
    EntityConnection,
    EntityDetail,
    EntityEdge,
    EntityKind,
    EntityRef,
    PageInfo,
    Relation,
    RelationType,
    Source,
)
from archgraph_client.errors import (
    ArchgraphClientError,
    ArchgraphConnectionError,
    ArchgraphHTTPError,
    ArchgraphQueryError,
    ArchgraphResponseError,
    ErrorDetail,
)
from archgraph_client.failure import (
    AutoscalerInput,
    ClusterScenarioInput,
    ConsequenceStep,
    DeploymentInput,
    DeploymentOutcome,
    FailureAnalysis,
    FailureEvent,
    NodeInput,
    PodPlacement,
    ScenarioOutcome,
)
from archgraph_client.reasoning import (
    BlastRadius,
    Choice,
    Comparison,
    ComparisonRow,
    Impact,
    Recommendation,
    RecommendationReason,
    Side,
    StackHop,
    StackLayer,
    StackPath,
)

__version__ = "0.1.0"

__all__ = [
    "ArchgraphClient",
    "ArchgraphClientError",
    "ArchgraphConnectionError",
    "ArchgraphHTTPError",
    "ArchgraphQueryError",
    "ArchgraphResponseError",
    "AsyncArchgraphClient",
    "Attribute",
    "AutoscalerInput",
    "BlastRadius",
    "Choice",
    "ClusterScenarioInput",
    "Comparison",
    "ComparisonRow",
    "ConsequenceStep",
    "DeploymentInput",
    "DeploymentOutcome",
    "Direction",
    "Entity",
    "EntityConnection",
    "EntityDetail",
    "EntityEdge",
    "EntityKind",
    "EntityRef",
    "ErrorDetail",
    "FailureAnalysis",
    "FailureEvent",
    "Impact",
    "NodeInput",
    "PageInfo",
    "PodPlacement",
    "Recommendation",
    "RecommendationReason",
    "Relation",
    "RelationType",
    "ScenarioOutcome",
    "Side",
    "Source",
    "StackHop",
    "StackLayer",
    "StackPath",
]
