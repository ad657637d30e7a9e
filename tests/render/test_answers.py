"""The renderers: exact Markdown and Mermaid, SVG that parses, HTML that cannot run anything."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.queries.blast import blast_radius
from service.queries.comparison import compare
from service.queries.recommendation import recommend
from service.queries.stacks import stack_path
from service.render import blast_radius as blast_render
from service.render import comparison as comparison_render
from service.render import entity as entity_render
from service.render import failure as failure_render
from service.render import recommendation as recommendation_render
from service.render import stack_path as stack_render
from service.render.answers import ANSWERS
from service.render.arguments import Arguments
from service.render.formats import Embed, Format

SVG = "{http://www.w3.org/2000/svg}"
EMBED = Embed("https://archgraph.example/embed/answer", "v1")

COMPARISON_MD = """\
**Virtual Machine vs Container**

| Dimension | Virtual Machine | Container | Favours | Why | Sources |
|---|---|---|---|---|---|
| Kernel Sharing | Each VM runs its own full OS and kernel | Share the host OS kernel | neither | Virtual Machine (own kernel per VM) vs Container (shared host kernel): a trade-off, not a ranking: an own kernel isolates more (see Security Isolation), a shared kernel is lighter (see Resource Overhead). | [1][2] |
| Startup Time | Slow (minutes) – full OS boot | Fast (seconds or less) | Container | Container (seconds) beats Virtual Machine (minutes): faster startup is favourable. | [2][3] |
| Resource Overhead | High – includes full guest OS | Low – lightweight processes | Container | Container (low) beats Virtual Machine (high): lower overhead is favourable. | [2][4] |
| Security Isolation | Strong isolation (hardware-level virtualization) | Process-level isolation (weaker than VM) | Virtual Machine | Virtual Machine (strong) beats Container (weaker): stronger isolation is favourable. | [2][5] |
| Operational Complexity | More complex to manage and patch OS per VM | Simpler, especially with orchestration (Kubernetes) | Container | Container (simpler) beats Virtual Machine (more complex): simpler operation is favourable. | [2][6] |
| Portability | Portable but larger images | Highly portable and lightweight | Container | Container (highly portable) beats Virtual Machine (portable): higher portability is favourable. | [2][7] |
| Performance | Slightly higher overhead | Near-native performance | Container | Container (near-native) beats Virtual Machine (slightly higher overhead): less overhead over native execution is favourable. | [2][8] |

Sources:

1. vms-vs-containers.md, line 7 (Comparison Table): “Each VM runs its own full OS and kernel”, “Share the host OS kernel”, “Kernel Sharing”
2. vms-vs-containers.md, line 5 (Comparison Table): “Topic”
3. vms-vs-containers.md, line 8 (Comparison Table): “Slow (minutes) – full OS boot”, “Fast (seconds or less)”, “Startup Time”
4. vms-vs-containers.md, line 9 (Comparison Table): “High – includes full guest OS”, “Low – lightweight processes”, “Resource Overhead”
5. vms-vs-containers.md, line 10 (Comparison Table): “Strong isolation (hardware-level virtualization)”, “Process-level isolation (weaker than VM)”, “Security Isolation”
6. vms-vs-containers.md, line 11 (Comparison Table): “More complex to manage and patch OS per VM”, “Simpler, especially with orchestration (Kubernetes)”, “Operational Complexity”
7. vms-vs-containers.md, line 12 (Comparison Table): “Portable but larger images”, “Highly portable and lightweight”, “Portability”
8. vms-vs-containers.md, line 13 (Comparison Table): “Slightly higher overhead”, “Near-native performance”, “Performance”

[Permalink](https://archgraph.example/embed/answer) · graph version `v1`
"""

STACK_PATH_MMD = """\
%% Stack path: Container → Virtual Machine
%% archgraph graph version v1 · https://archgraph.example/embed/answer
flowchart TB
  n_container["Container [1][2]<br/><i>kernel: Shared host kernel · isolation: Process-level isolation</i>"]
  n_kubernetes["Kubernetes [3][4]<br/><i>layer</i>"]
  n_virtual_machine["Virtual Machine [1][2]<br/><i>kernel: Guest kernel · isolation: Hardware-level virtualization</i>"]
  n_container -->|"runs on [3]"| n_kubernetes
  n_kubernetes -->|"runs on [3][5]"| n_virtual_machine
%% Sources:
%% [1] vms-vs-containers.md, line 5 (Comparison Table): “Containers”, “Virtual Machines (VMs)”
%% [2] vms-vs-containers.md, line 7 (Comparison Table): “Share the host OS kernel”, “Each VM runs its own full OS and kernel”
%% [3] vms-vs-containers.md, line 40 (When would you combine both?): “Kubernetes”, “Kubernetes → Containers”, “Virtual Machines → Kubernetes”
%% [4] vms-vs-containers.md, line 11 (Comparison Table): “orchestration (Kubernetes)”
%% [5] vms-vs-containers.md, line 33 (When would you combine both?): “Running Kubernetes clusters on cloud infrastructure (K8s nodes are VMs).”
"""

HOSTILE_NAME = '<script>alert("x")</script> & <b>Co</b>'


def stack(kg: KnowledgeGraph, source: str, target: str) -> stack_render.StackPathAnswer:
    return stack_render.StackPathAnswer(
        kg.entity(source), kg.entity(target), stack_path(kg, source, target)
    )


def svg_texts(document: str) -> list[str]:
    """The text of every ``<text>`` of a parsed SVG (so it must parse)."""
    root = ET.fromstring(document)
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


# -- Markdown and Mermaid, exactly ------------------------------------------------------------
def test_the_comparison_of_vm_and_container_is_the_notes_table_with_verdicts_and_citations(
    kg: KnowledgeGraph,
) -> None:
    rendered = comparison_render.to_markdown(compare(kg, "virtual-machine", "container"), EMBED)
    assert rendered == COMPARISON_MD


def test_a_stack_path_is_a_mermaid_flowchart_with_cited_hops(kg: KnowledgeGraph) -> None:
    rendered = stack_render.to_mermaid(stack(kg, "container", "virtual-machine"), EMBED)
    assert rendered == STACK_PATH_MMD


def test_markdown_gives_each_cited_place_one_number(kg: KnowledgeGraph) -> None:
    rendered = recommendation_render.to_markdown(
        recommend(kg, ["strong-security-isolation", "fast-startup"]), EMBED
    )
    assert "Choice: **VMs and containers combined (COMBINED)**." in rendered
    assert (
        "| Fast startup | Container | Fast startup favours Container; it concerns Startup Time, "
        'where Container has "Fast (seconds or less)". | [3] |'
    ) in rendered
    assert (
        "3. vms-vs-containers.md, line 8 (Comparison Table): “Fast (seconds or less)”" in rendered
    )
    assert rendered.endswith(
        "[Permalink](https://archgraph.example/embed/answer) · graph version `v1`\n"
    )


# -- SVG -----------------------------------------------------------------------------------------
def test_a_stack_path_svg_parses_and_names_every_layer(kg: KnowledgeGraph) -> None:
    texts = svg_texts(stack_render.to_svg(stack(kg, "container", "cloud-infrastructure"), EMBED))
    layers = ["Container", "Kubernetes", "Virtual Machine", "Cloud Infrastructure"]
    assert [t for t in texts if t in layers] == layers
    assert "Container runs on Kubernetes, across Process-level isolation [3]" in texts
    assert "archgraph graph version v1 · https://archgraph.example/embed/answer" in texts


def test_a_blast_radius_svg_draws_each_entity_under_what_it_depends_on(
    kg: KnowledgeGraph,
) -> None:
    blast = blast_radius(kg, "cloud-infrastructure")
    texts = svg_texts(blast_render.to_svg(blast, EMBED))
    ordered = [i.entity.name for i in blast_render.depth_first(blast)]
    # Pod runs on Node, so it comes right under Node however the BFS ordered them.
    assert ordered.index("Pod") == ordered.index("Node") + 1
    assert [t for t in texts if t in ordered] == ordered
    assert texts[1] == "Cloud Infrastructure"
    assert any(t.startswith("runs on Node [") for t in texts)


def test_a_failure_svg_is_a_timeline_with_the_default_timings(kg: KnowledgeGraph) -> None:
    answer = failure_render.failure_answer(kg, "NODE_DOWN", None, None)
    texts = svg_texts(failure_render.to_svg(answer, EMBED))
    assert texts[0] == "Failure: Node down"
    assert list(dict.fromkeys(t for t in texts if t[0].isdigit())) == ["0 s", "50 s", "5 min 50 s"]
    assert "Node controller" in texts


def test_no_stack_path_is_said_in_words(make_pack: Callable[..., Path]) -> None:
    pack = make_pack(
        {
            "island.yaml": """\
            document: tiny.md
            entities:
              - {id: island, kind: layer, name: Island, sources: [{line: 5, quote: "Apps"}]}
            """
        }
    )
    kg = load_graph([pack])
    answer = stack(kg, "container", "island")
    assert answer.path is None
    assert "No stack path joins Container and Island." in svg_texts(
        stack_render.to_svg(answer, EMBED)
    )
    assert "No stack path joins Container and Island." in stack_render.to_markdown(answer, EMBED)


# -- HTML ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """A graph with an entity whose name and summary are markup."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "sources").mkdir()
    (root / "sources" / "tiny.md").write_text("# Tiny\n\n## Hosting\n\nApps run on servers.\n")
    (root / "hostile.yaml").write_text(
        "document: tiny.md\n"
        "entities:\n"
        f"  - id: hostile\n    kind: layer\n    name: '{HOSTILE_NAME}'\n"
        "    summary: 'Runs <img src=x onerror=alert(1)> on servers | *really*'\n"
        '    sources: [{line: 5, quote: "Apps run on servers."}]\n'
        "relations:\n"
        '  - {source: hostile, type: runs_on, target: kubernetes, sources: [{line: 5, quote: "Apps"}]}\n'
    )
    return load_graph([root])


def test_an_html_fragment_has_no_script_and_escapes_every_text(hostile_kg: KnowledgeGraph) -> None:
    answer = entity_render.entity_answer(hostile_kg, "hostile")
    rendered = entity_render.to_html(answer, Embed('https://x.example/?a=1&b="2"', "v1"))
    assert "<script" not in rendered.lower() and "<img" not in rendered.lower()
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in rendered
    )
    assert 'href="https://x.example/?a=1&amp;b=&quot;2&quot;"' in rendered
    assert 'data-archgraph-version="v1"' in rendered
    assert '<ol class="archgraph-sources"' in rendered
    assert "src=" not in rendered.replace("&lt;img src=x", "")  # nothing to fetch


def test_markdown_and_mermaid_keep_markup_as_text(hostile_kg: KnowledgeGraph) -> None:
    answer = entity_render.entity_answer(hostile_kg, "hostile")
    md = entity_render.to_markdown(answer, EMBED)
    mmd = entity_render.to_mermaid(answer, EMBED)
    assert '**\\<script\\>alert("x")\\</script\\> & \\<b\\>Co\\</b\\> (layer)**' in md
    assert "Runs \\<img src=x onerror=alert(1)\\> on servers \\| \\*really\\* [1]" in md
    assert "#lt;script#gt;alert(#quot;x#quot;)#lt;/script#gt;" in mmd
    drawn = [line for line in mmd.splitlines() if not line.startswith("%%")]  # comments: not shown
    assert not any("<script" in line for line in drawn)


def test_an_svg_escapes_text(hostile_kg: KnowledgeGraph) -> None:
    blast = blast_radius(hostile_kg, "kubernetes")
    document = blast_render.to_svg(blast, EMBED)
    assert "<script" not in document
    assert any(t.startswith('<script>alert("x")</script> & <b>') for t in svg_texts(document))


def test_every_answer_renders_every_format_it_offers(kg: KnowledgeGraph) -> None:
    arguments = {
        "comparison": [("left", "virtual-machine"), ("right", "container")],
        "recommendation": [("requirements", "fast-startup")],
        "stack-path": [("from", "pod"), ("to", "cloud-infrastructure")],
        "blast-radius": [("id", "host-kernel")],
        "entity": [("id", "container")],
        "failure": [("event", "POD_DELETED")],
    }
    assert set(arguments) == set(ANSWERS)
    for name, answer in ANSWERS.items():
        parsed = answer.parse(arguments[name], kg)
        for fmt in answer.formats:
            rendered = answer.render(kg, parsed, fmt, EMBED)
            assert "v1" in rendered and "https://archgraph.example/embed/answer" in rendered, (
                name,
                fmt,
            )
            assert "vms-vs-containers.md" in rendered, (name, fmt)  # its sources
            if fmt is Format.SVG:
                svg_texts(rendered)


# -- arguments -------------------------------------------------------------------------------------
def test_arguments_are_normalised_to_one_spelling(kg: KnowledgeGraph) -> None:
    comparison = ANSWERS["comparison"]
    given = [
        ("dimensions", "startup-time, performance"),
        ("right", "container"),
        ("dimensions", "startup-time"),
        ("left", "virtual-machine"),
    ]
    parsed = comparison.parse(given, kg)
    assert parsed == Arguments(
        (
            ("left", ("virtual-machine",)),
            ("right", ("container",)),
            ("dimensions", ("startup-time", "performance")),
        )
    )
    assert parsed.query_string() == (
        "left=virtual-machine&right=container&dimensions=startup-time&dimensions=performance"
    )
    failure = ANSWERS["failure"].parse([("event", "node-down")], kg)
    assert failure.get("event") == "NODE_DOWN"


@pytest.mark.parametrize(
    ("answer", "given", "message"),
    [
        # a typo of an argument name
        (
            "comparison",
            [("left", "a"), ("rigth", "b")],
            "rigth: comparison takes no such argument; it takes left, right, dimensions",
        ),
        # a missing argument lists what is valid
        (
            "comparison",
            [("left", "container")],
            "right: is required: give an entity with comparison values; valid: container, virtual-machine",
        ),
        # an empty one too
        ("entity", [("id", " ")], "id: is empty; give an entity id ("),
        # one value only
        ("entity", [("id", "pod"), ("id", "node")], "id: given more than once; give it once"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(
    kg: KnowledgeGraph, answer: str, given: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        ANSWERS[answer].parse(given, kg)
    assert str(refused.value).startswith(message)


def test_an_unknown_id_is_explained_with_the_closest_valid_ones(kg: KnowledgeGraph) -> None:
    message = ANSWERS["entity"].explain(kg, EntityNotFound("kubelett", "id"))
    assert message == (
        "id: no entity with id 'kubelett'; did you mean kubelet, kubernetes? "
        f"({len(kg)} valid ids, listed by /export/graph.json)"
    )
    short = ANSWERS["stack-path"].explain(kg, EntityNotFound("vm", "from"))
    assert short == (
        "from: no entity with id 'vm'; valid: cloud-infrastructure, container, kubernetes, "
        "kubernetes-node, pod, virtual-machine"
    )


def test_usage_shows_formats_and_arguments() -> None:
    assert ANSWERS["comparison"].usage() == (
        "/embed/comparison.{md,html}?left=…&right=…[&dimensions=…,…]"
    )
    assert ANSWERS["failure"].usage() == (
        "/embed/failure.{md,html,mmd,svg}?event=…[&target=…][&scenario=…]"
    )


def test_a_target_without_a_scenario_is_refused(kg: KnowledgeGraph) -> None:
    with pytest.raises(InvalidArgument, match=r"^target: is only used with a scenario"):
        failure_render.failure_answer(kg, "NODE_DOWN", "node-a", None)
