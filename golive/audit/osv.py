"""Offline OSV advisories: load records from disk, decide what they affect, serve them locally.

pip-audit reads vulnerability data only from a service, and the public ones may be unreachable.
`serve` puts a tiny OSV-compatible endpoint (POST /v1/query) on 127.0.0.1 in front of records
loaded from disk, so pip-audit can audit offline with `-s osv --osv-url <url>`. The records come
from a folder (for instance a checkout of the PyPA advisory database) or from a zip export (like
OSV's per-ecosystem `all.zip`), read in place without extracting it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from golive.audit.interface import AdvisoryDataError

Record = dict[str, Any]

RECORD_SUFFIXES = (".yaml", ".yml", ".json")
QUERY_PATH = "/v1/query"
# The C loader parses the 2,700-file PyPA database several times faster than the pure one.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DATE_FIELDS = ("published", "modified", "withdrawn")


def record_files(folder: Path) -> list[Path]:
    """Every advisory file under folder, recursively, in a stable (sorted) order."""
    return sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in RECORD_SUFFIXES and p.is_file()
    )


def is_zip_export(source: Path) -> bool:
    """Whether source is a zip export of records rather than a folder of them."""
    return source.is_file() and source.suffix.lower() == ".zip"


def advisory_digest(folder: Path) -> str:
    """sha256 over the sorted relative paths and bytes of the record files (for cache keys).

    For a zip export it is the sha256 of the zip file itself.
    """
    if is_zip_export(folder):
        return hashlib.sha256(folder.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for path in record_files(folder):
        data = path.read_bytes()
        # Length prefixes keep "a" + "bc" and "ab" + "c" from hashing alike.
        for part in (path.relative_to(folder).as_posix().encode(), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


def load_records(folder: Path, names: Iterable[str]) -> list[Record]:
    """The records in folder (or zip export) that mention one of names, dates as RFC 3339.

    The text pre-filter (case-insensitive, any of `-_.` between name parts) keeps a folder of
    thousands of records fast: only files that could concern a wanted package are parsed.
    Raises AdvisoryDataError for missing data or a file that is not an OSV record.
    """
    if not folder.is_dir() and not is_zip_export(folder):
        raise AdvisoryDataError(
            f"advisory data not found: {folder} (a folder or .zip of OSV records)"
        )
    pattern = _names_pattern(names)
    if pattern is None:
        return []
    records = []
    for name, text in _record_texts(folder):
        if pattern.search(text):
            records.append(_json_safe_record(_parse(name, text)))
    return records


def _record_texts(source: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of every record file in a folder or a zip export, in a stable order."""
    if not is_zip_export(source):
        for path in record_files(source):
            yield str(path), path.read_text(encoding="utf-8", errors="replace")
        return
    try:
        with zipfile.ZipFile(source) as archive:
            members = sorted(
                m.filename
                for m in archive.infolist()
                if not m.is_dir() and Path(m.filename).suffix.lower() in RECORD_SUFFIXES
            )
            for member in members:
                text = archive.read(member).decode("utf-8", errors="replace")
                yield f"{source}:{member}", text
    except zipfile.BadZipFile as exc:
        raise AdvisoryDataError(f"{source}: not a readable zip of OSV records: {exc}") from exc


def _names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    parts = sorted({canonicalize_name(n) for n in names if n.strip()})
    if not parts:
        return None
    alternatives = (r"[-_.]+".join(map(re.escape, n.split("-"))) for n in parts)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _parse(name: str, text: str) -> Record:
    suffix = Path(name).suffix.lower()
    try:
        # yaml.load with a safe loader (C or pure); JSON is parsed as JSON for its errors.
        data = json.loads(text) if suffix == ".json" else yaml.load(text, Loader=_YAML_LOADER)
    except (ValueError, yaml.YAMLError) as exc:
        raise AdvisoryDataError(f"{name}: not valid {suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict) or "id" not in data:
        raise AdvisoryDataError(f"{name}: not an OSV record (expected a mapping with an 'id')")
    return data


def _json_safe_record(record: Record) -> Record:
    """YAML turns unquoted timestamps into datetimes; JSON and pip-audit need RFC 3339 + Z."""
    safe = cast(Record, _json_safe(record))
    for key in _DATE_FIELDS:
        if isinstance(safe.get(key), str):
            safe[key] = _rfc3339(safe[key])
    return safe


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return _rfc3339(value)
    return value


def _rfc3339(value: datetime | date | str) -> str:
    """UTC with a trailing Z: the only shapes pip-audit's strptime accepts."""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return text  # not a timestamp we understand: pass it on untouched
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def affects(record: Record, name: str, version: str) -> bool:
    """Whether an OSV record affects PyPI package `name` at `version`.

    Looks at the record's `affected` entries for that package (PEP 503 names): the explicit
    `versions` list and ECOSYSTEM ranges. A withdrawn record affects nothing.
    """
    if record.get("withdrawn"):
        return False
    wanted = canonicalize_name(name)
    for entry in record.get("affected") or []:
        package = entry.get("package") or {}
        if package.get("ecosystem") != "PyPI":
            continue
        if canonicalize_name(str(package.get("name", ""))) != wanted:
            continue
        if _in_versions(entry.get("versions") or [], version):
            return True
        if any(_in_range(r, version) for r in entry.get("ranges") or []):
            return True
    return False


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_versions(versions: list[Any], version: str) -> bool:
    parsed = _version(version)
    for listed in map(str, versions):
        # Compare as versions too: "1.10" and "1.10.0" are the same release.
        if listed == version or (parsed is not None and _version(listed) == parsed):
            return True
    return False


def _in_range(range_: dict[str, Any], version: str) -> bool:
    """The OSV evaluation: walk the events in version order, toggling "affected"."""
    target = _version(version)
    if range_.get("type") != "ECOSYSTEM" or target is None:
        return False
    events = _sorted_events(range_.get("events") or [])
    if events is None:
        return False  # an unparsable bound: leave the decision to the explicit versions
    affected = False
    for kind, bound in events:
        if kind == "introduced":
            affected = affected or bound is None or target >= bound
        elif bound is not None and _past(kind, bound, target):
            affected = False
    return affected


def _past(kind: str, bound: Version, target: Version) -> bool:
    """Whether target lies beyond a closing event: fixed/limit exclude the bound itself."""
    if kind == "last_affected":
        return target > bound
    return kind in ("fixed", "limit") and target >= bound


def _sorted_events(events: list[dict[str, Any]]) -> list[tuple[str, Version | None]] | None:
    """(kind, bound) pairs in version order; introduced "0" is None, before everything."""
    parsed: list[tuple[str, Version | None]] = []
    for event in events:
        for kind, raw in event.items():
            if kind == "introduced" and str(raw) == "0":
                parsed.append((kind, None))
                continue
            bound = _version(str(raw))
            if bound is None:
                return None
            parsed.append((kind, bound))
    return sorted(parsed, key=lambda e: (e[1] is not None, e[1] or Version("0")))


def index_records(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Records by the canonical names of the PyPI packages they list, without withdrawn ones."""
    index: dict[str, list[Record]] = {}
    for record in records:
        if record.get("withdrawn"):
            continue
        names = {
            canonicalize_name(str((entry.get("package") or {}).get("name", "")))
            for entry in record.get("affected") or []
            if (entry.get("package") or {}).get("ecosystem") == "PyPI"
        }
        for name in names:
            index.setdefault(name, []).append(record)
    return index


class _OsvServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, records: Iterable[Record]) -> None:
        super().__init__(("127.0.0.1", 0), _QueryHandler)
        self.index = index_records(records)

    def matching(self, name: str, version: str) -> list[Record]:
        candidates = self.index.get(canonicalize_name(name), [])
        return [r for r in candidates if affects(r, name, version)]


class _QueryHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path.split("?", 1)[0].rstrip("/") != QUERY_PATH:
            self._reply(404, {"error": f"only POST {QUERY_PATH} is served"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            query = json.loads(self.rfile.read(length))
            package, version = query["package"], str(query["version"])
            name, ecosystem = str(package["name"]), package.get("ecosystem", "PyPI")
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"error": 'expected {"package": {"name", "ecosystem"}, "version"}'})
            return
        server = cast(_OsvServer, self.server)
        vulns = server.matching(name, version) if ecosystem == "PyPI" else []
        # OSV answers a clean package with an empty object, and pip-audit relies on that.
        self._reply(200, {"vulns": vulns} if vulns else {})

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: one stderr line per pip-audit query would bury the gate's own output."""


@contextmanager
def serve(records: Iterable[Record]) -> Iterator[str]:
    """Serve records at a local OSV query endpoint; yields its URL, shuts down on exit."""
    server = _OsvServer(records)
    # serve_forever looks for shutdown every poll interval (0.5 s by default): every audit,
    # and a NO-GO that stops one, waited for it as the endpoint closed.
    serving = partial(server.serve_forever, poll_interval=0.05)
    thread = threading.Thread(target=serving, name="osv-endpoint", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{QUERY_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
