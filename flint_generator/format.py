"""Black, in-process, with one fixed mode (so `check` is stable across machines).

Black is the generator's bottleneck, so most chunks skip its parser: `layout.relayout` lays out the plain code the
templates emit by black's own rules (checked against black in tests); black formats the rest. Rendered files are split into top-level chunks (templates mark them with a
line holding only NUL), each chunk is formatted on its own (in a process pool when there is a lot to do) and
cached by content hash, and the chunks are joined with the two blank lines black puts between top-level
definitions. The result is what black gives for the whole file (tests check `format_str(out) == out`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import black

from flint_generator.layout import MODE, relayout
from flint_generator.layout_tree import _FORMAT_ONCE

CHUNK_LINE = "\n\x00\n"
# FLINT_GENERATOR_VERIFY_LAYOUT=1: black runs on every chunk and a chunk where layout.relayout disagrees is an error
VERIFY_LAYOUT = os.environ.get("FLINT_GENERATOR_VERIFY_LAYOUT", "") not in ("", "0")
PARALLEL_THRESHOLD = 300_000  # characters still to format; below this a pool costs more than it saves
_KEY_SALT = f"black {getattr(black, '__version__', '')} {MODE!r}".encode()  # not importlib.metadata: 12 ms


class FormatError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message




def _format_one(source: str, fast: str | None = None) -> tuple[str | None, str | None]:
    """black's text for one chunk (or `fast`, layout.relayout's, which black then only checks under VERIFY_LAYOUT)."""
    if fast is None or VERIFY_LAYOUT:
        try:
            text = _FORMAT_ONCE(source, mode=MODE)
        except Exception as exc:  # black raises several types (InvalidInput, ASTSafetyError...)
            message = str(exc).splitlines()[0][:500] if str(exc) else ""
            return None, f"{type(exc).__name__}: {message}"
        if fast is not None and fast != text:
            first = source.splitlines()[0][:120] if source else ""
            return None, f"layout.relayout differs from black on the chunk starting {first!r}"
    else:
        text = fast
    # black's parser accepts some things Python does not. Chunks are whole top-level statements, so a file compiles
    # when each of its chunks does; compiling one whole file instead cost 500-700 MB on Stripe's 6 MB models.py.
    try:
        _compile_check(text)
    except SyntaxError as exc:
        first = text.splitlines()[0][:120] if text else ""
        return None, f"does not compile: {exc.msg} (line {exc.lineno} of the chunk starting {first!r})"
    return text, None


COMPILE_PIECE = 100_000  # characters of a class body compiled at once
_METHOD_START = ("    def ", "    async def ")


def _compile_check(text: str) -> None:
    """SyntaxError unless `text` compiles. To bytecode, not to an `ast` tree: building Python AST objects costs
    about twice as much. The compiler holds about 50 times its input: a class of a thousand methods (EC2's Service
    protocol, 1 MB) is compiled a few dozen methods at a time, each run of them as the body of a class of its own;
    when a piece fails (a split inside a string, say) the whole chunk is compiled, for the true error."""
    if len(text) <= COMPILE_PIECE or not text.startswith("class "):
        compile(text, "<generated>", "exec", dont_inherit=True)
        return
    lines = text.split("\n")
    pieces: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if size > COMPILE_PIECE and line.startswith(_METHOD_START):
            pieces.append(["class _:"])
            size = 0
        pieces[-1].append(line)
        size += len(line) + 1
    try:
        for piece in pieces:
            compile("\n".join(piece), "<generated>", "exec", dont_inherit=True)
    except SyntaxError:
        compile(text, "<generated>", "exec", dont_inherit=True)


def _key(chunk: str) -> str:
    return hashlib.sha256(_KEY_SALT + chunk.encode("utf-8", "surrogatepass")).hexdigest()


def cache_dir() -> Path | None:
    """`$FLINT_GENERATOR_CACHE` (empty disables), else ~/.cache/flint-generator."""
    env = os.environ.get("FLINT_GENERATOR_CACHE")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flint-generator"


def _cache_file(root: Path, path: str) -> Path:
    return root / (hashlib.sha256(path.encode()).hexdigest()[:24] + ".json")


def _load(root: Path | None, path: str) -> dict[str, str]:
    if root is None:
        return {}
    try:
        data = json.loads(_cache_file(root, path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _store(root: Path | None, path: str, entries: dict[str, str]) -> None:
    if root is None:
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=root)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(entries, fh)
        os.replace(tmp, _cache_file(root, path))
    except OSError:
        pass  # a cache that cannot be written is only slower


def split_chunks(source: str) -> list[str]:
    return [c.strip("\n") + "\n" for c in source.split(CHUNK_LINE) if c.strip()]


def format_sources(files: dict[str, str], *, use_cache: bool = True) -> dict[str, str]:
    """Format every `*.py` entry (marker lines removed); raise FormatError naming the first failing file.

    Memory: each chunk's text lives once, in `todo` until it is formatted and then in `done` (a copy per stage
    was 40 MB of EC2's peak)."""
    root = cache_dir() if use_cache else None
    keys: dict[str, list[str]] = {}  # file -> its chunks' keys, in order
    caches: dict[str, dict[str, str]] = {}
    todo: dict[str, str] = {}  # key -> chunk
    owner: dict[str, str] = {}  # key -> file (for error messages)
    for path in sorted(p for p in files if p.endswith(".py")):
        caches[path] = _load(root, path)
        keys[path] = []
        for c in split_chunks(files[path]):
            k = _key(c)
            keys[path].append(k)
            if k not in caches[path] and k not in todo:
                todo[k] = c
                owner[k] = path
    results_by_key: dict[str, tuple[str | None, str | None]] = {}
    fast: dict[str, str | None] = {}
    # most chunks are laid out without black's parser (layout.py); black gets the rest
    for k in list(todo):
        laid = relayout(todo[k])
        if laid is not None and not VERIFY_LAYOUT:
            results_by_key[k] = _format_one(todo.pop(k), laid)
        else:
            fast[k] = laid
    keys_slow = sorted(todo, key=lambda k: -len(todo[k]))  # big ones first keeps the pool busy evenly
    size = sum(len(todo[k]) for k in keys_slow)
    workers = min(len(keys_slow), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if size >= PARALLEL_THRESHOLD and workers > 1:
        # forked workers inherit this process's heap (spec, IR, sources): frozen, their garbage collector never
        # walks it, which would touch (and so copy) every page of it in every worker
        gc.collect()
        gc.freeze()
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(_format_one, [todo[k] for k in keys_slow], [fast[k] for k in keys_slow],
                                        chunksize=1))
        finally:
            gc.unfreeze()
    else:
        results = [_format_one(todo[k], fast[k]) for k in keys_slow]
    todo.clear()
    results_by_key.update(zip(keys_slow, results))
    done: dict[str, str] = {}
    failures = []
    for k, (text, err) in results_by_key.items():
        if text is None:
            failures.append((owner[k], err or "black failed"))
        else:
            done[k] = text
    results_by_key.clear()
    if failures:
        path, err = sorted(failures)[0]
        raise FormatError(path, err)
    out = dict(files)
    for path, chunk_keys in keys.items():
        used = {k: caches[path].get(k) or done[k] for k in chunk_keys}
        out[path] = "\n\n\n".join(used[k].rstrip("\n") for k in chunk_keys) + "\n" if chunk_keys else ""
        if used != caches[path]:
            _store(root, path, used)
    return out
