"""The GraphQL layer: strawberry types mapped from the domain, and thin resolvers."""
