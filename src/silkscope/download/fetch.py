"""One file over HTTP(S) into a cache folder: resumed after an interruption, checked, renamed in.

Why our own loop and not pooch: pooch (and requests) restart an interrupted transfer from zero;
a BACI release is ~2 GB, so we resume with an HTTP ``Range`` request (RFC 9110 §14), guarded by
``If-Range`` with the server's ETag or Last-Modified so that a file changed on the server is
fetched again whole rather than spliced. The transfer goes to ``NAME.part`` (its validator in
``NAME.part.json``); only a complete file whose size and, when known, SHA-256 match is renamed
to ``NAME`` (``os.replace``, atomic), so a kill at any instant leaves the old file or the new one.
Every file fetched is recorded with its URL, size and SHA-256 in the folder's ``downloads.json``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from silkscope import __version__
from silkscope.errors import SilkscopeError
from silkscope.io.writers import write_text

MANIFEST = "downloads.json"
CHUNK = 1 << 20
TIMEOUT = 60.0

Progress = Callable[[int, int | None], None]


class DownloadError(SilkscopeError):
    """A download that did not complete: why, and what to do (retry, fix the address, go by hand)."""


@dataclass(frozen=True)
class Fetched:
    """A file in the cache folder and how it got there."""

    path: Path
    url: str
    size: int
    sha256: str
    resumed_from: int = 0
    cached: bool = False


def manifest(folder: Path) -> dict[str, dict]:
    """The folder's record of downloaded files, ``{file name: {url, size, sha256, downloaded}}``."""
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DownloadError(
            f"{path}: the download record cannot be read ({exc}); delete it to start the record again"
        ) from exc
    return data if isinstance(data, dict) else {}


def _record(folder: Path, name: str, entry: Mapping[str, object]) -> None:
    data = manifest(folder)
    data[name] = dict(entry)
    write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", folder / MANIFEST)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _unreachable(url: str, reason: object, by_hand: str) -> DownloadError:
    host = urlsplit(url).netloc or url
    return DownloadError(
        f"could not reach {host} ({reason}). Is this machine offline? Run the command again when the "
        f"network is back (a partial file resumes), or download {url} by hand into the folder. {by_hand}"
    )


def fetch(
    url: str,
    target: Path,
    *,
    sha256: str | None = None,
    headers: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    by_hand: str = "",
    check: Callable[[Path], None] | None = None,
    fresh: bool = False,
    timeout: float = TIMEOUT,
) -> Fetched:
    """Download ``url`` to ``target`` (see the module docstring). A file already there whose
    recorded URL and SHA-256 still match is kept without touching the network, unless ``fresh``
    (an API answer, which may change). ``check(path)`` validates the complete transfer before it
    replaces ``target``; if it raises, the transfer is removed and ``target`` is left as it was."""
    target = Path(target)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    expected = sha256.lower() if sha256 else None
    known = manifest(folder).get(target.name)
    if not fresh and target.exists() and known and known.get("url") == url:
        digest = sha256_of(target)
        if digest == known.get("sha256") and (expected is None or digest == expected):
            return Fetched(target, url, target.stat().st_size, digest, cached=True)

    part = target.with_name(target.name + ".part")
    state_file = target.with_name(target.name + ".part.json")
    state = _read_state(state_file)
    offset = part.stat().st_size if part.exists() and state.get("url") == url else 0
    if offset == 0:
        part.unlink(missing_ok=True)

    request = urllib.request.Request(
        url, headers={"User-Agent": f"silkscope/{__version__}", **(headers or {})}
    )
    if offset:
        request.add_header("Range", f"bytes={offset}-")
        validator = state.get("etag") or state.get("last_modified")
        if validator:
            request.add_header("If-Range", validator)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only, checked by callers)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # the part is as long as the file or longer: start again
            part.unlink(missing_ok=True)
            state_file.unlink(missing_ok=True)
            return fetch(url, target, sha256=sha256, headers=headers, progress=progress,
                         by_hand=by_hand, check=check, fresh=fresh, timeout=timeout)  # fmt: skip
        raise DownloadError(
            f"{url}: the server answered {exc.code} {exc.reason}"
            + (" — check the code, release or year asked for" if exc.code == 404 else "")
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise _unreachable(url, getattr(exc, "reason", exc), by_hand) from exc

    with response:
        resumed = response.status == 206
        if resumed and not _starts_at(response.headers.get("Content-Range"), offset):
            resumed = False
            raise DownloadError(
                f"{url}: the server resumed at the wrong place ({response.headers.get('Content-Range')}); "
                f"delete {part.name} and run the command again"
            )
        if not resumed:
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else None
        _write_state(state_file, url, response.headers)
        digest = hashlib.sha256()
        if offset:
            with open(part, "rb") as handle:
                for block in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(block)
        done = offset
        try:
            with open(part, "ab" if offset else "wb") as out:
                while block := response.read(CHUNK):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
        except (http.client.IncompleteRead, TimeoutError, ConnectionError, OSError) as exc:
            raise DownloadError(
                f"{url}: the transfer stopped after {done:,} of {total or '?':,} bytes ({exc.__class__.__name__}); "
                f"run the same command again to resume from there"
            ) from exc
    if total is not None and done != total:
        raise DownloadError(
            f"{url}: the transfer stopped after {done:,} of {total:,} bytes; run the same command again to resume"
        )
    got = digest.hexdigest()
    if expected and got != expected:
        part.unlink(missing_ok=True)
        state_file.unlink(missing_ok=True)
        raise DownloadError(
            f"{target.name}: checksum mismatch, SHA-256 {got} where {expected} was expected; the "
            f"download was removed and nothing was kept. Check the checksum given, or the address"
        )
    state_file.unlink(missing_ok=True)
    if check is not None:
        try:
            check(part)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, target)
    _record(folder, target.name, {
        "url": url, "size": done, "sha256": got,
        "downloaded": datetime.now(UTC).isoformat(timespec="seconds"),
    })  # fmt: skip
    return Fetched(target, url, done, got, resumed_from=offset if resumed else 0)


def _starts_at(content_range: str | None, offset: int) -> bool:
    """``Content-Range: bytes 100-199/200`` starts at ``offset``."""
    if not content_range or not content_range.startswith("bytes "):
        return False
    first = content_range[6:].split("-", 1)[0]
    return first.isdigit() and int(first) == offset


def _read_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(path: Path, url: str, headers: Mapping[str, str]) -> None:
    state = {"url": url, "etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified")}
    write_text(json.dumps(state), path)
