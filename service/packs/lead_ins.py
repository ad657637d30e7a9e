"""What a list's lead-in says: "choose X when", "where X wins", "combine both when", or nothing.

Notes introduce the lists the draft turns into requirements in a handful of ways — the
built-in note's "You would prefer a VM when:" and "You combine VMs and containers when:",
and the forms architects write elsewhere ("Choose a MicroVM when:", "Where containers win",
"MicroVMs are the better choice when:", "When to use containers"). Only the wording is read
here; which entity the subject phrase names is decided by :mod:`service.packs.resolve`.
A lead-in that says when *not* to choose something is not guessed at: it is read as
ambiguous, and the draft leaves a review marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Reading(Enum):
    FAVOURS = "favours"  # the items favour the subject
    COMBINES = "combines"  # the items are situations that combine subjects
    AMBIGUOUS = "ambiguous"  # a lead-in of the right shape whose meaning a human must decide


@dataclass(frozen=True, slots=True)
class LeadInReading:
    """How a lead-in reads; ``subject`` is the phrase naming what the items favour."""

    reading: Reading
    subject: str = ""
    why: str = ""


_NEGATED = re.compile(r"\b(?:avoid|not|never|don't|dont|do not|shouldn't|instead of)\b", re.I)
_COMBINES = re.compile(r"\b(?:combine|combining|combination|hybrid|together|both)\b", re.I)
_CHOOSE = re.compile(
    r"\b(?:choose|pick|select|prefer|use|opt for|go with|go for|reach for|favou?r|avoid)\s+"
    r"(?P<subject>.+?)"
    r"(?=\s+(?:when|if|for|over|instead|rather|where|in|because|to|whenever)\b|[:?.!,;(]|$)",
    re.I,
)
_WINS = re.compile(
    r"(?:\b(?:where|when|why)\s+|^)(?P<subject>.+?)\s+"
    r"(?:wins?|shines?|excels?|(?:is|are)\s+(?:the\s+)?(?:better|best|right)"
    r"(?:\s+(?:choice|fit|option|pick))?)\b",
    re.I,
)
_ARTICLE = re.compile(r"^(?:a|an|the|your|our)\s+", re.I)
MAX_SUBJECT_WORDS = 5


def read_lead_in(text: str) -> LeadInReading | None:
    """How ``text`` introduces the list after it, or None when it does not say.

    Examples
    --------
    >>> read_lead_in("You would prefer a VM when:")
    LeadInReading(reading=<Reading.FAVOURS: 'favours'>, subject='VM', why='')
    >>> read_lead_in("You combine VMs and containers when:").reading
    <Reading.COMBINES: 'combines'>
    >>> read_lead_in("Notes:") is None
    True
    """
    if _COMBINES.search(text):
        return LeadInReading(Reading.COMBINES)
    for pattern in (_CHOOSE, _WINS):
        found = pattern.search(text)
        if found is None:
            continue
        if _NEGATED.search(text):
            why = f"the lead-in {text!r} says when not to choose something"
            return LeadInReading(Reading.AMBIGUOUS, why=why)
        subject = _ARTICLE.sub("", found["subject"].strip()).strip()
        if subject and len(subject.split()) <= MAX_SUBJECT_WORDS:
            return LeadInReading(Reading.FAVOURS, subject)
    return None
