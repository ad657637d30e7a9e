"""The GraphQL documents the client sends, one per root field of the contract.

They are plain text so they can be read, copied into GraphiQL, and validated against
``schema.graphql`` by the tests (a renamed or removed field fails there first).
"""

from __future__ import annotations

SOURCE_FIELDS = """
fragment SourceFields on Source { document section line quote external }
"""

ENTITY_FIELDS = """
fragment EntityFields on Entity {
  id kind name summary aliases
  attributes { key value }
  sources { ...SourceFields }
}
"""

# Entities named again inside an answer that already holds them in full are fetched as
# references only: the server prices every field times the lists around it (max cost).
ENTITY_REF_FIELDS = """
fragment EntityRefFields on Entity { id kind name }
"""

STACK_PATH_FIELDS = """
fragment StackPathFields on StackPath {
  layers {
    entity { ...EntityFields }
    kernel { ...EntityFields }
    isolation { ...EntityFields }
  }
  hops {
    from { ...EntityRefFields }
    to { ...EntityRefFields }
    relation
    isolationBoundary { ...EntityRefFields }
    sources { ...SourceFields }
  }
  strongestIsolation { ...EntityRefFields }
  kernelCount
}
"""

_WITH_ENTITY = ENTITY_FIELDS + SOURCE_FIELDS

ENTITY = (
    """
query Entity($id: ID!) {
  entity(id: $id) {
    ...EntityFields
    relations {
      type direction label
      attributes { key value }
      sources { ...SourceFields }
      target { ...EntityFields }
    }
  }
}
"""
    + _WITH_ENTITY
)

ENTITIES = (
    """
query Entities($kind: EntityKind, $search: String, $first: Int!, $after: String) {
  entities(kind: $kind, search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...EntityFields } }
  }
}
"""
    + _WITH_ENTITY
)

COMPARISON = (
    """
query Comparison($left: ID!, $right: ID!, $dimensions: [ID!]) {
  comparison(left: $left, right: $right, dimensions: $dimensions) {
    left { ...EntityFields }
    right { ...EntityFields }
    rows {
      dimension { ...EntityFields }
      left right favours rationale
      sources { ...SourceFields }
    }
  }
}
"""
    + _WITH_ENTITY
)

REQUIREMENTS = (
    """
query Requirements {
  requirements { ...EntityFields }
}
"""
    + _WITH_ENTITY
)

RECOMMENDATION = (
    """
query Recommendation($requirements: [ID!]!) {
  recommendation(requirements: $requirements) {
    choice rationale
    reasons {
      requirement { ...EntityFields }
      favours explanation
      sources { ...SourceFields }
    }
  }
}
"""
    + _WITH_ENTITY
)

STACK_PATH = (
    """
query StackPath($from: ID!, $to: ID!) {
  stackPath(from: $from, to: $to) { ...StackPathFields }
}
"""
    + STACK_PATH_FIELDS
    + ENTITY_REF_FIELDS
    + _WITH_ENTITY
)

STACK_PATHS = (
    """
query StackPaths($from: ID!, $to: ID!, $maxHops: Int) {
  stackPaths(from: $from, to: $to, maxHops: $maxHops) { ...StackPathFields }
}
"""
    + STACK_PATH_FIELDS
    + ENTITY_REF_FIELDS
    + _WITH_ENTITY
)

BLAST_RADIUS = (
    """
query BlastRadius($id: ID!) {
  blastRadius(id: $id) {
    origin { ...EntityFields }
    affected {
      entity { ...EntityFields }
      path { ...EntityRefFields }
      explanation
    }
  }
}
"""
    + ENTITY_REF_FIELDS
    + _WITH_ENTITY
)

FAILURE_CONSEQUENCES = (
    """
query FailureConsequences(
  $event: FailureEvent!, $target: String, $scenario: ClusterScenarioInput,
  $scenarioName: String, $snapshot: String, $autoscaler: AutoscalerInput
) {
  failureConsequences(
    event: $event, target: $target, scenario: $scenario,
    scenarioName: $scenarioName, snapshot: $snapshot, autoscaler: $autoscaler
  ) {
    event
    steps {
      order atSeconds actor description pods podCount
      sources { ...SourceFields }
    }
    outcome {
      available nodesAdded
      deployments { name desired running pending pendingReason }
      workloads {
        kind namespace name desired running pending terminating available pendingReason
      }
      nodes {
        name zone ready added deleted unschedulable taints pods
        cpu memory cpuRequested memoryRequested
      }
      pods { namespace name workload deployment node zone phase reason restarts }
    }
  }
}
"""
    + SOURCE_FIELDS
)

SCENARIOS = """
query Scenarios {
  scenarios {
    name origin description kubernetesVersion
    nodeCount readyNodeCount cordonedNodeCount zones
    podCount workloadCount workloadsByKind { kind count } disruptionBudgetCount
  }
}
"""

SCHEDULING = """
query Scheduling($scenarioName: String, $snapshot: String) {
  scheduling(scenarioName: $scenarioName, snapshot: $snapshot) {
    scenario kubernetesVersion nodeCount
    pods {
      namespace name node message
      victims { namespace name }
      nodeReasons { node reasons }
    }
  }
}
"""

RESILIENCE = """
query Resilience($scenarioName: String, $snapshot: String) {
  resilience(scenarioName: $scenarioName, snapshot: $snapshot) {
    scenario
    losses {
      scope target pendingPods
      unavailable { kind namespace name }
      degraded { kind namespace name desired running }
      pending { pod reason }
    }
    singlePointsOfFailure { scope target workloads { kind namespace name } }
  }
}
"""

ALL: dict[str, str] = {
    "entity": ENTITY,
    "entities": ENTITIES,
    "comparison": COMPARISON,
    "requirements": REQUIREMENTS,
    "recommendation": RECOMMENDATION,
    "stackPath": STACK_PATH,
    "stackPaths": STACK_PATHS,
    "blastRadius": BLAST_RADIUS,
    "failureConsequences": FAILURE_CONSEQUENCES,
    "scenarios": SCENARIOS,
    "scheduling": SCHEDULING,
    "resilience": RESILIENCE,
}
"""Every document, by the root field it asks for."""
