"""Conditional requests (RFC 9110): does an ``If-None-Match`` header name our ETag?

One place for the rule, used by the GraphQL response cache (raw ASGI bytes), the wiki
embeds and the graph export (decoded headers).
"""

from __future__ import annotations


def etag_matches(if_none_match: bytes | str | None, etag: bytes | str) -> bool:
    """Whether ``If-None-Match`` (``*`` or a list of tags) holds ``etag``, compared weakly."""
    if not if_none_match:
        return False
    header = if_none_match.encode("latin-1") if isinstance(if_none_match, str) else if_none_match
    tag = etag.encode("latin-1") if isinstance(etag, str) else etag
    if header.strip() == b"*":
        return True
    return any(candidate.strip().removeprefix(b"W/") == tag for candidate in header.split(b","))
