"""Black, in-process, with one fixed mode (so `check` is stable across machines).

Black is the generator's bottleneck, so most chunks skip its parser: `layout.relayout` lays out the plain code the
templates emit by black's own rules (checked against black in tests); black formats the rest. Rendered files are
split into top-level chunks (templates mark them with a line holding only NUL), each chunk is formatted on its own
(the chunks cut into one run per core, in file order, when there is a lot to do) and cached by content hash, and the
chunks are joined with the two blank lines black puts between top-level definitions. The result is what black gives
for the whole file (tests check `format_str(out) == out`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path

from flint_generator.black_rules import MODE_SETTINGS, black_version, format_once
from flint_generator.layout import relayout

CHUNK_LINE = "\n\x00\n"
# FLINT_GENERATOR_VERIFY_LAYOUT=1: black runs on every chunk and a chunk where layout.relayout disagrees is an error
VERIFY_LAYOUT = os.environ.get("FLINT_GENERATOR_VERIFY_LAYOUT", "") not in ("", "0")
# characters to format; below this a second process costs more CPU (copy-on-write faults) than it saves wall time
PARALLEL_THRESHOLD = 3_000_000


class FormatError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


_PENDING: dict[str, str] = {}  # key -> chunk, read by forked workers (inherited, not pickled)


def _format_keys(keys: list[str]) -> list[tuple[str | None, str | None]]:
    """Format the pending chunks `keys`: layout.relayout where it can, black for the rest, each compile-checked."""
    out = []
    for k in keys:
        chunk = _PENDING.pop(k)  # each chunk's text lives once: here until formatted, then in the result
        out.append(_format_one(chunk, relayout(chunk)))
    return out


def _shares(keys: list[str], sizes: dict[str, int], n: int) -> list[list[str]]:
    """`keys` (in file order) cut into `n` runs of about equal size. Runs, not a deal: a file's chunks repeat each
    other's lines, which layout.py caches per process."""
    target = sum(sizes[k] for k in keys) / n
    runs: list[list[str]] = [[]]
    size = 0
    for k in keys:
        if size >= target and len(runs) < n:
            runs.append([])
            size = 0
        runs[-1].append(k)
        size += sizes[k]
    return runs


def _workers() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    # workers read the chunks from the memory they were forked with; without fork (Windows) one process
    return cpus if hasattr(os, "fork") else 1


def _fork(keys: list[str]) -> tuple[int, int] | None:
    """A forked child formatting `keys` and writing its results, pickled, to a pipe: (pid, read end). A plain fork,
    not a process pool: the child needs nothing but the memory it starts with, and a pool's queues and threads
    cost more CPU than the child saves on a spec of a few MB. None when the fork fails (the parent does the run)."""
    try:
        read, write = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: never returns into the caller's code (os._exit skips atexit and buffered output)
        code = 1
        try:
            os.close(read)
            data = pickle.dumps(_format_keys(keys), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as fh:
                fh.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(child: tuple[int, int] | None, keys: list[str]) -> list[tuple[str | None, str | None]]:
    """The results of a `_fork`ed run, or the run done here if the child failed (killed, out of memory...)."""
    if child is None:
        return _format_keys(keys)
    pid, read = child
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if status == 0 and data:
        results: list[tuple[str | None, str | None]] = pickle.loads(data)
        return results
    return _format_keys(keys)


def _format_one(source: str, fast: str | None = None) -> tuple[str | None, str | None]:
    """black's text for one chunk (or `fast`, layout.relayout's, which black then only checks under VERIFY_LAYOUT)."""
    if fast is None or VERIFY_LAYOUT:
        try:
            text = format_once(source)
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


def _key(chunk: str, salt: bytes) -> str:
    return hashlib.sha256(salt + chunk.encode("utf-8", "surrogatepass")).hexdigest()


def _salt(root: Path | None) -> bytes:
    """What a cached chunk depends on besides its text: black's version and mode (only for the on-disk cache; within
    a run the key only finds repeated chunks)."""
    return f"black {black_version()} {sorted(MODE_SETTINGS.items())}".encode() if root is not None else b""


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
    salt = _salt(root)
    keys: dict[str, list[str]] = {}  # file -> its chunks' keys, in order
    caches: dict[str, dict[str, str]] = {}
    todo: dict[str, str] = {}  # key -> chunk
    owner: dict[str, str] = {}  # key -> file (for error messages)
    for path in sorted(p for p in files if p.endswith(".py")):
        caches[path] = _load(root, path)
        keys[path] = []
        for c in split_chunks(files[path]):
            k = _key(c, salt)
            keys[path].append(k)
            if k not in caches[path] and k not in todo:
                todo[k] = c
                owner[k] = path
    # the work is cut into one run of chunks per core, in file order; this process formats the first run while
    # forked workers format the others (forked after gc.freeze: the inherited heap (spec, IR, sources) is then never
    # walked by their garbage collector, which would touch, and so copy, every page of it)
    keys_todo = list(todo)
    sizes = {k: len(todo[k]) for k in keys_todo}
    workers = _workers() if sum(sizes.values()) >= PARALLEL_THRESHOLD else 1
    runs = _shares(keys_todo, sizes, workers) if workers > 1 else [keys_todo]
    _PENDING.update(todo)
    todo.clear()
    try:
        if len(runs) > 1:
            gc.freeze()
            try:
                children = [_fork(run) for run in runs[1:]]
                results = _format_keys(runs[0])
                for run, child in zip(runs[1:], children):
                    results += _collect(child, run)
            finally:
                gc.unfreeze()
        else:
            results = _format_keys(keys_todo)
    finally:
        _PENDING.clear()
    results_by_key = dict(zip([k for run in runs for k in run], results))
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
