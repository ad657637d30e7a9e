"""Re-fetch the vendored GraphiQL assets by pinned version and record their checksums.

Run from anywhere (needs ``npm``, which fetches from the npm registry)::

    python service/http/static/graphiql/vendor.py

Each pinned package is fetched with ``npm pack`` (which checks the registry's integrity
hash), the files below are copied byte for byte into ``<dir>-<version>/`` next to this
script, and ``VERSIONS.json`` records versions, sizes and sha256 checksums. The version is
part of every URL, so a bump changes the URLs and the year-long browser cache stays right.
``tests/http/test_graphiql.py`` checks the committed files against ``VERSIONS.json``.

GraphiQL 3.x is the last line that publishes a UMD bundle; the explorer plugin 3.2.6 is
the one built against the same ``@graphiql/react`` (0.29) as GraphiQL 3.9.0.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "VERSIONS.json"


@dataclass(frozen=True)
class Pin:
    """One npm package at one version, and the files taken from its tarball."""

    name: str
    version: str
    directory: str  # the local folder name, without the version
    files: tuple[str, ...]  # paths inside the tarball's ``package/`` folder

    @property
    def folder(self) -> str:
        return f"{self.directory}-{self.version}"


PINS = (
    Pin("react", "18.3.1", "react", ("umd/react.production.min.js", "LICENSE")),
    Pin("react-dom", "18.3.1", "react-dom", ("umd/react-dom.production.min.js", "LICENSE")),
    Pin("graphiql", "3.9.0", "graphiql", ("graphiql.min.js", "graphiql.min.css", "LICENSE")),
    Pin(
        "@graphiql/plugin-explorer",
        "3.2.6",
        "plugin-explorer",
        ("dist/index.umd.js", "dist/style.css"),
    ),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(pin: Pin, destination: Path) -> tuple[Path, str]:
    """Download ``pin``'s tarball; returns its path and the registry's integrity string."""
    completed = subprocess.run(
        ["npm", "pack", f"{pin.name}@{pin.version}", "--json", "--pack-destination", destination],
        check=True,
        capture_output=True,
        text=True,
    )
    [packed] = json.loads(completed.stdout)
    return destination / packed["filename"], str(packed["integrity"])


def vendor(pin: Pin, scratch: Path) -> dict[str, object]:
    """Fetch one package, copy its files next to this script, and describe them."""
    tarball, integrity = npm_pack(pin, scratch)
    folder = HERE / pin.folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    files: dict[str, dict[str, object]] = {}
    with tarfile.open(tarball) as archive:
        package_json = json.load(_member(archive, "package.json"))
        for inner in pin.files:
            target = folder / Path(inner).name
            target.write_bytes(_member(archive, inner).read())
            files[f"{pin.folder}/{target.name}"] = {
                "from": inner,
                "bytes": target.stat().st_size,
                "sha256": sha256(target),
            }
    return {
        "name": pin.name,
        "version": pin.version,
        "license": package_json.get("license"),
        "integrity": integrity,
        "files": files,
    }


def _member(archive: tarfile.TarFile, inner: str) -> IO[bytes]:
    extracted = archive.extractfile(f"package/{inner}")
    if extracted is None:
        raise FileNotFoundError(f"package/{inner} is not a file in {archive.name!r}")
    return extracted


def main() -> int:
    for stale in HERE.iterdir():
        if stale.is_dir() and stale.name not in {pin.folder for pin in PINS}:
            shutil.rmtree(stale)
    with tempfile.TemporaryDirectory() as scratch:
        packages = [vendor(pin, Path(scratch)) for pin in PINS]
    manifest = {
        "generated_by": "service/http/static/graphiql/vendor.py; do not edit by hand",
        "packages": packages,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    for package in packages:
        print(f"{package['name']}@{package['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
