"""draft_pack and render: a note's blocks as a pack's items, known entities referenced."""

from __future__ import annotations

from pathlib import Path

import pytest
from draft_notes import MICROVM_NOTE
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import RelationType
from service.knowledge import KnowledgeGraph
from service.packs.documents import Document
from service.packs.draft import draft_pack
from service.packs.draft_items import Draft
from service.packs.loader import builtin_data_dir, load_graph
from service.packs.markdown import parse_note
from service.packs.pack_yaml import quoted, render
from service.packs.yamlmarks import load_marked

NOTE = "containers-vs-microvms.md"


def draft_of(kg: KnowledgeGraph, text: str, name: str = NOTE) -> Draft:
    return draft_pack(parse_note(name, text), Document.from_text(name, text), kg)


def write_pack(tmp_path: Path, draft: Draft, text: str) -> Path:
    pack = tmp_path / "pack"
    (pack / "sources").mkdir(parents=True)
    (pack / "sources" / draft.document).write_text(text)
    (pack / "pack.yaml").write_text(render(draft, draft.document))
    return pack


@pytest.fixture(scope="module")
def microvm_draft(kg: KnowledgeGraph) -> Draft:
    return draft_of(kg, MICROVM_NOTE)


def test_each_block_becomes_its_entities(microvm_draft: Draft) -> None:
    assert [(e.id, e.kind.value) for e in microvm_draft.entities] == [
        ("microvm", "platform"),
        ("boot-time", "dimension"),
        ("microvm-boot-time", "dimension-value"),
        ("container-boot-time", "dimension-value"),
        ("isolation", "dimension"),
        ("microvm-isolation", "dimension-value"),
        ("container-isolation", "dimension-value"),
        ("density", "dimension"),
        ("microvm-density", "dimension-value"),
        ("container-density", "dimension-value"),
        ("bare-metal", "layer"),
        ("firecracker", "layer"),
        ("run-untrusted-code-many-tenants", "requirement"),
        ("kernel-exploit-not-cross-tenants", "requirement"),
        ("density-matters-most", "requirement"),
        ("already-run-kubernetes", "requirement"),
        ("microvm-container-architecture", "architecture"),
        ("each-tenant-gets-microvm-running", "situation"),
    ]


def test_each_block_becomes_its_relations(microvm_draft: Draft) -> None:
    assert [(r.source, r.type.value, r.target) for r in microvm_draft.relations] == [
        ("microvm", "has_value", "microvm-boot-time"),
        ("microvm-boot-time", "value_of", "boot-time"),
        ("container", "has_value", "container-boot-time"),
        ("container-boot-time", "value_of", "boot-time"),
        ("microvm", "has_value", "microvm-isolation"),
        ("microvm-isolation", "value_of", "isolation"),
        ("container", "has_value", "container-isolation"),
        ("container-isolation", "value_of", "isolation"),
        ("microvm", "has_value", "microvm-density"),
        ("microvm-density", "value_of", "density"),
        ("container", "has_value", "container-density"),
        ("container-density", "value_of", "density"),
        # the chain, bottom first: each part runs on the one before (is hosted by it)
        ("firecracker", "runs_on", "bare-metal"),
        ("microvm", "runs_on", "firecracker"),
        ("container", "runs_on", "microvm"),
        ("run-untrusted-code-many-tenants", "favours", "microvm"),
        ("kernel-exploit-not-cross-tenants", "favours", "microvm"),
        ("density-matters-most", "favours", "container"),
        ("already-run-kubernetes", "favours", "container"),
        # "combine both": an architecture layered as the chain says
        ("bare-metal", "layer_of", "microvm-container-architecture"),
        ("firecracker", "layer_of", "microvm-container-architecture"),
        ("microvm", "layer_of", "microvm-container-architecture"),
        ("container", "layer_of", "microvm-container-architecture"),
        ("each-tenant-gets-microvm-running", "favours", "microvm-container-architecture"),
    ]
    layers = [r.attributes for r in microvm_draft.relations if r.type is RelationType.LAYER_OF]
    assert layers == [{"position": 1}, {"position": 2}, {"position": 3}, {"position": 4}]


def test_items_cite_section_line_and_verbatim_quote(microvm_draft: Draft) -> None:
    cited = {
        e.id: [(s.section, s.line, s.quote) for s in e.sources] for e in microvm_draft.entities
    }
    assert cited["microvm-boot-time"] == [("Comparison", 7, "~125 ms \\| cold")]
    assert cited["run-untrusted-code-many-tenants"] == [
        ("Choosing", 15, "You run untrusted code"),
        ("Choosing", 16, "from many tenants."),
    ]
    # a failure statement naming the pack's own entities becomes one of their sources
    assert cited["firecracker"] == [
        ("The stack", 30, "Firecracker"),
        ("The stack", 33, "If Firecracker crashes, its MicroVMs go down."),
    ]
    favours = next(r for r in microvm_draft.relations if r.source == "density-matters-most")
    assert [(s.line, s.quote) for s in favours.sources] == [
        (19, "Where containers win:"),
        (21, "Density matters most."),
    ]


def test_known_entities_are_referenced_not_declared_again(microvm_draft: Draft) -> None:
    assert microvm_draft.references == {"container": ("Containers", 5)}
    assert "container" not in {e.id for e in microvm_draft.entities}
    # a statement about other packs' entities is kept for a person to place
    assert [(ids, s.line) for ids, s in microvm_draft.outside] == [
        (("host-kernel", "container"), 32)
    ]


def test_what_only_a_person_decides_is_a_review_marker(microvm_draft: Draft) -> None:
    marked = {e.id: e.review for e in microvm_draft.entities if e.review}
    assert marked == {
        dimension: f"which value of {name} is favourable? set prefer (lower/higher/neither) "
        "here and an ordinal on each of its values"
        for dimension, name in [
            ("boot-time", "Boot Time"),
            ("isolation", "Isolation"),
            ("density", "Density"),
        ]
    }
    assert microvm_draft.reviews == 3


@pytest.mark.parametrize(
    ("lead_in", "review"),
    [
        # a subject nobody knows: no favours relation is guessed
        (
            "Choose Nomad when:",
            "which subject does this favour? the lead-in 'Choose Nomad when:' (line 1) names "
            "'Nomad', which is no entity the draft knows; add a favours relation to it",
        ),
        # a negated lead-in is not read as its opposite
        (
            "Avoid containers when:",
            "which subject does this favour? the lead-in 'Avoid containers when:' says when "
            "not to choose something; add a favours relation to it",
        ),
    ],
)
def test_an_unclear_lead_in_leaves_requirements_to_review(
    kg: KnowledgeGraph, lead_in: str, review: str
) -> None:
    draft = draft_of(kg, f"{lead_in}\n\n- Jobs are batch.\n")
    assert [(e.id, e.kind.value, e.review) for e in draft.entities] == [
        ("jobs-batch", "requirement", review)
    ]
    assert draft.relations == []


def test_drafting_the_builtin_note_resolves_its_entities_and_skips_known_relations(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    text = (builtin_data_dir() / "sources" / "vms-vs-containers.md").read_text()
    draft = draft_of(kg, text, "vms-vs-containers.md")
    assert sorted(draft.references) == [
        "cloud-infrastructure",
        "container",
        "kubernetes",
        "virtual-machine",
        "vm-container-architecture",
    ]
    assert draft.skipped == 3  # the chain's three runs_on relations
    assert {e.kind.value for e in draft.entities} == {
        "dimension",
        "dimension-value",
        "requirement",
        "situation",
    }
    served = load_graph([write_pack(tmp_path, draft, text)])
    assert len(served) == len(kg) + len(draft.entities)


def test_the_rendered_pack_loads_as_drafted(
    kg: KnowledgeGraph, microvm_draft: Draft, tmp_path: Path
) -> None:
    served = load_graph([write_pack(tmp_path, microvm_draft, MICROVM_NOTE)])
    for drafted in microvm_draft.entities:
        entity = served.entity(drafted.id)
        assert (entity.kind, entity.name, entity.summary) == (
            drafted.kind,
            drafted.name,
            drafted.summary,
        )
        assert [(s.section, s.line, s.quote) for s in entity.sources] == [
            (s.section, s.line, s.quote) for s in drafted.sources
        ]
    assert served.number_of_relations() == kg.number_of_relations() + len(microvm_draft.relations)
    # each marker is a warning at the line of its `review:` key
    marked = [e.review for e in microvm_draft.entities if e.review]
    assert [(w.line, w.message) for w in served.warnings] == [
        (line, f"review: {review}") for line, review in zip([23, 43, 63], marked, strict=True)
    ]


def test_a_note_without_blocks_drafts_an_empty_pack_that_loads(
    kg: KnowledgeGraph, tmp_path: Path
) -> None:
    draft = draft_of(kg, "# Thoughts\n\nNothing decided yet.\n", "thoughts.md")
    assert (draft.entities, draft.relations, draft.findings) == ([], [], [])
    text = render(draft, "thoughts.md")
    assert text.endswith('document: "thoughts.md"\n\nentities: []\n\nrelations: []\n')
    pack = write_pack(tmp_path, draft, "# Thoughts\n\nNothing decided yet.\n")
    assert len(load_graph([pack], include_builtin=False)) == 0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string_is_written_so_that_yaml_reads_it_back(text: str) -> None:
    assert load_marked(f"key: {quoted(text)}\n")["key"] == text


_NOTE_LINES = st.lists(
    st.sampled_from(
        [
            "## Options",
            "| Aspect | MicroVMs | Containers |",
            "| Topic | VMs | Containers | Unikernels |",
            "|---|---|---|",
            "| Boot \\| time | fast | `slow` |",
            "| Cost | | low |",
            "Choose a MicroVM when:",
            "Where containers win:",
            "Avoid VMs when:",
            "You combine both when:",
            "- You need isolation.",
            "- Density matters",
            "  a lot.",
            "1. The host fails, so every container fails.",
            "Bare Metal → MicroVMs → Containers",
            "Containers -> Containers",
            "If the VM crashes, its containers go down.",
            "",
        ]
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(_NOTE_LINES)
def test_any_draft_validates_as_written(
    kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    text = "\n".join(lines) + "\n"
    draft = draft_of(kg, text)
    served = load_graph([write_pack(tmp_path_factory.mktemp("any"), draft, text)])
    assert len(served) == len(kg) + len(draft.entities)
    assert len(served.warnings) == draft.reviews
