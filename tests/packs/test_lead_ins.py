"""read_lead_in: what the line before a list says the list is."""

from __future__ import annotations

import pytest

from service.packs.lead_ins import LeadInReading, Reading, read_lead_in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the built-in note's two lead-ins and its heading
        ("You would prefer a VM when:", LeadInReading(Reading.FAVOURS, "VM")),
        ("When would you prefer a VM over a container?", LeadInReading(Reading.FAVOURS, "VM")),
        ("You combine VMs and containers when:", LeadInReading(Reading.COMBINES)),
        ("When would you combine both?", LeadInReading(Reading.COMBINES)),
        # the forms the issue names
        ("Choose a MicroVM when:", LeadInReading(Reading.FAVOURS, "MicroVM")),
        ("Where containers win", LeadInReading(Reading.FAVOURS, "containers")),
        ("MicroVMs are the better choice when:", LeadInReading(Reading.FAVOURS, "MicroVMs")),
        ("When to use containers", LeadInReading(Reading.FAVOURS, "containers")),
        (
            "Use the managed database for reporting:",
            LeadInReading(Reading.FAVOURS, "managed database"),
        ),
        # "when not to" is not read as its opposite
        (
            "Avoid containers when:",
            LeadInReading(
                Reading.AMBIGUOUS,
                why="the lead-in 'Avoid containers when:' says when not to choose something",
            ),
        ),
        # lead-ins that say nothing about a choice
        ("Notes:", None),
        ("A common modern architecture is:", None),
        ("Comparison Table", None),
    ],
)
def test_lead_ins_are_read_by_their_wording(text: str, expected: LeadInReading | None) -> None:
    assert read_lead_in(text) == expected
