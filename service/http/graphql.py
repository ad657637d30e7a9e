"""``/graphql``: strawberry's FastAPI router with a typed per-request context."""

from __future__ import annotations

from strawberry.fastapi import BaseContext, GraphQLRouter

from service.http.state import AppState
from service.knowledge import KnowledgeGraph


class HttpContext(BaseContext):
    """The resolver context for one HTTP request (satisfies ``service.api.context.Context``)."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        super().__init__()
        self.kg = kg


def graphql_router(state: AppState) -> GraphQLRouter[HttpContext, None]:
    async def get_context() -> HttpContext:
        assert state.kg is not None, "the graph is loaded before requests are served"
        return HttpContext(state.kg)

    return GraphQLRouter(
        state.schema,
        context_getter=get_context,
        graphql_ide="graphiql" if state.settings.graphiql else None,
    )
