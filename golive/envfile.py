"""Reading env files, and keeping their values out of everything golive writes.

Values read here are secrets by default: they go to the services' environment and nowhere else.
`Redactor` scrubs them from everything golive writes (gate summaries and details, log tails, the
report, service logs kept as evidence): a secret by any fragment of 8 or more characters and by
its base64 and URL-encoded forms, other values whole (see the class for which values are which).

Parsing is python-dotenv's (quoting, `export`, comments, `${VAR}` interpolation), so golive reads
a file exactly as the services will; `parse_env` adds what a launch check needs on top: the line
of each key, the keys set twice, and the lines python-dotenv skipped.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, urlsplit

from dotenv import dotenv_values
from dotenv.parser import Binding, parse_stream

from golive.errors import EnvFileError


@dataclass(frozen=True)
class Duplicate:
    """A key bound again on `line` after `first_line`; the last binding is the one that counts."""

    key: str
    line: int
    first_line: int


@dataclass(frozen=True)
class EnvFile:
    """One parsed env file: interpolated values, and where each key was set."""

    path: Path
    values: dict[str, str]
    lines: dict[str, int]
    duplicates: list[Duplicate] = field(default_factory=list)
    unparsed_lines: list[int] = field(default_factory=list)


def binding_line(binding: Binding) -> int:
    """The 1-based line a binding's key is on.

    python-dotenv marks a binding where its leading blank lines start, so skip those.
    """
    text = binding.original.string
    leading = text[: len(text) - len(text.lstrip())].replace("\r\n", "\n")
    return binding.original.line + leading.count("\n") + leading.count("\r")


def parse_text(text: str, path: Path) -> EnvFile:
    """Parse env file text, interpolating `${VAR}` and `${VAR:-default}` as python-dotenv does."""
    lines: dict[str, int] = {}
    duplicates: list[Duplicate] = []
    unparsed: list[int] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            unparsed.append(binding_line(binding))
        elif binding.key is not None:
            line = binding_line(binding)
            if binding.key in lines:
                duplicates.append(Duplicate(binding.key, line, lines[binding.key]))
            lines[binding.key] = line
    raw = dotenv_values(stream=io.StringIO(text), interpolate=True)
    values = {key: value or "" for key, value in raw.items()}
    return EnvFile(path, values, lines, duplicates, unparsed)


def parse_env(path: Path) -> EnvFile:
    """Read and parse an env file; an unreadable one is a GoliveError naming the file."""
    if not path.is_file():
        raise EnvFileError(f"{path}: env file not found; create it from the template")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"{path}: cannot read env file: {type(exc).__name__}") from None
    return parse_text(text, path)


def read_env(path: Path) -> dict[str, str]:
    """Keys and values of an env file; a key with no value maps to ''."""
    return parse_env(path).values


def resolve_database_url(url: str, data_dir: Path) -> str:
    """Make a relative SQLite path live in the environment's data folder.

    `sqlite:///azora.db` in a production env file then means "this environment's azora.db", so
    a rehearsal gets its own disposable database from the same file.
    """
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((data_dir / url[len(prefix) :]).resolve())
    return url


# --- Which values are secrets -------------------------------------------------------------

# A payment provider's mode prefix (`sk_live_`) is the provider's, not part of the secret.
PROVIDER_PREFIX = re.compile(r"^(?:sk|pk|rk)_(live|test)_")
# Words and numbers ("production", "info", "eu-west", "8080") name things; they hide nothing.
PLAIN = re.compile(r"[A-Za-z]+(?:[ ._-][A-Za-z]+)*|[0-9]+(?:\.[0-9]+)*")


def secret_name(key: str) -> bool:
    """Whether a key's name says it holds a secret (`*SECRET*`, `*_TOKEN`, `*_PASSWORD`)."""
    upper = key.upper()
    return "SECRET" in upper or upper.endswith(("_TOKEN", "_PASSWORD"))


def looks_random(text: str) -> bool:
    """Varied enough to have come from a random generator: 10 or more distinct characters, at
    least 3 bits of entropy per character, and not a shorter unit repeated.

    Thresholds leave room for hex (16 symbols, ~3.8 bits per character over 64 characters).
    """
    body = text[:512]  # the first 512 characters tell enough, and keep the repeat search cheap
    if not body:
        return False
    counts = Counter(body)
    bits_per_char = -sum(n / len(body) * math.log2(n / len(body)) for n in counts.values())
    return len(counts) >= 10 and bits_per_char >= 3.0 and not _repeats(body)


def _repeats(text: str) -> bool:
    """True when the text is a shorter unit repeated (`abc123abc123abc1`)."""
    return any(
        all(text[i] == text[i - period] for i in range(period, len(text)))
        for period in range(1, len(text) // 2 + 1)
    )


def looks_secret(text: str) -> bool:
    """A token of 16+ characters, letters and digits mixed, that looks random: an API key, a
    DSN's key, a generated password; not a word, a path, a host name or a number."""
    return (
        len(text) >= 16
        and not any(c.isspace() for c in text)
        and not text.startswith(("/", ".", "~"))
        and any(c.isalpha() for c in text)
        and any(c.isdigit() for c in text)
        and looks_random(text)
    )


def secret_parts(value: str, declared: bool) -> list[str]:
    """The parts of a value that are secret, each found in text by any fragment of it.

    A declared secret (a secret key's value) is secret whole; a URL's password is, and so is
    any random-looking token of a URL with a host (a DSN's key, a webhook's token); any other
    value only if it looks like a secret itself.
    """
    is_url = "://" in value
    parts = [value] if declared or (not is_url and looks_secret(value)) else []
    if is_url:
        try:
            url = urlsplit(value)
            password = url.password
        except ValueError:
            return parts
        if password:
            parts += [password, unquote(password)]
        if url.netloc:
            parts += [t for t in re.split(r"[/:@?&=#.;,]", value) if looks_secret(t)]
    return [PROVIDER_PREFIX.sub("", p) for p in dict.fromkeys(parts)]


def encodings(secret: str) -> list[str]:
    """The forms a secret travels in besides itself: its base64 (standard and URL-safe, padded;
    an unpadded one is a fragment of it) and, for the value inside longer data encoded at the
    two other byte alignments, the characters that depend on it alone; its URL encoding."""
    raw = secret.encode()
    forms = [secret, quote(secret, safe=""), quote_plus(secret)]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(raw).decode())
        for offset in (1, 2):
            inner = encode(b"\0" * offset + raw).decode().rstrip("=")[4:]
            whole = (offset + len(raw)) % 3 == 0
            forms.append(inner if whole else inner[: len(inner) - len(inner) % 4])
    return list(dict.fromkeys(f for f in forms if len(f) >= Redactor.FRAGMENT))


# --- Finding them in text -------------------------------------------------------------------

Span = tuple[int, int, str]  # start, end, key


class _FragmentIndex:
    """Every GRAM-character piece of the secret strings, for finding where text and a secret
    share FRAGMENT or more characters.

    A common substring of FRAGMENT characters always holds a whole gram starting at a multiple
    of STRIDE, so text is probed at every STRIDE-th position only; each hit is extended both
    ways along the secret to the maximal common substring.
    """

    GRAM = 5
    STRIDE = 4  # GRAM + STRIDE - 1 <= FRAGMENT

    def __init__(self, secrets: list[tuple[str, str]]) -> None:
        self.secrets = secrets
        self.grams: dict[str, list[tuple[int, int]]] = {}
        for sid, (secret, _) in enumerate(secrets):
            for j in range(len(secret) - self.GRAM + 1):
                self.grams.setdefault(secret[j : j + self.GRAM], []).append((sid, j))

    def spans(self, text: str, minimum: int) -> list[Span]:
        """Where text shares `minimum` or more characters with a secret. A probe inside a match
        already found is skipped (that keeps repetitive text and secrets linear): a match that
        goes on past it is found from the next probe, but for up to STRIDE - 1 characters."""
        found: list[Span] = []
        covered = 0  # the probe window [q, q + GRAM) is inside a found match when q + GRAM <= it
        gram, grams, n = self.GRAM, self.grams, len(text)
        for q in range(0, n - gram + 1, self.STRIDE):
            if q + gram <= covered:
                continue
            for sid, j in grams.get(text[q : q + gram], ()):
                if q + gram <= covered:
                    break
                secret, key = self.secrets[sid]
                shift = q - j  # text index where the secret would start
                start, end = q, q + gram
                while start > 0 and start > shift and text[start - 1] == secret[start - 1 - shift]:
                    start -= 1
                while end < n and end - shift < len(secret) and text[end] == secret[end - shift]:
                    end += 1
                if end - start >= minimum:
                    found.append((start, end, key))
                    covered = max(covered, end)
        return found


def _merged(spans: list[Span]) -> list[Span]:
    """Spans in order, overlaps resolved: one key's overlapping spans join; where another key's
    span overlaps, it starts where the one before it ends."""
    pieces: list[Span] = []
    for start, end, key in sorted(spans, key=lambda s: (s[0], -s[1])):
        if pieces and start <= pieces[-1][1]:
            last_start, last_end, last_key = pieces[-1]
            if end <= last_end:
                continue
            if key == last_key:
                pieces[-1] = (last_start, end, key)
                continue
            start = last_end
        pieces.append((start, end, key))
    return pieces


class Redactor:
    """Replaces secrets in a text with `<KEY>`, the name of the env key that holds them.

    - A secret (a value of a secret key — the manifest's `secret_keys`, or a name with SECRET,
      _TOKEN or _PASSWORD — a URL's password, a random-looking value or URL token; see
      `secret_parts`) is found by any fragment of FRAGMENT (8) or more characters: a prefix, a
      suffix, any substring; so are its base64 and URL-encoded forms (`encodings`).
    - Any other value of MIN_LENGTH (6) or more characters that is not a plain word or number
      (a URL, a DSN) is found whole, as before.
    - Plain words and numbers ("production", "info", "8080") and shorter values are left alone:
      they are not secrets, and replacing them would mangle the text.
    """

    FRAGMENT = 8
    MIN_LENGTH = 6

    def __init__(self, values: Mapping[str, str], secret_keys: Iterable[str] = ()) -> None:
        declared = set(secret_keys)
        fragments: list[tuple[str, str]] = []
        self._whole: list[tuple[str, str]] = []
        for key, value in values.items():
            secret = key in declared or secret_name(key)
            for part in secret_parts(value, secret):
                fragments += [(form, key) for form in encodings(part)]
            if len(value) >= self.MIN_LENGTH and (secret or not PLAIN.fullmatch(value)):
                self._whole.append((value, key))
        self._index = _FragmentIndex(fragments)

    def spans(self, text: str) -> list[Span]:
        """Where the secrets are in text: (start, end, key), in order, not overlapping."""
        found = self._index.spans(text, self.FRAGMENT)
        for value, key in self._whole:
            at = text.find(value)
            while at != -1:
                found.append((at, at + len(value), key))
                at = text.find(value, at + len(value))
        return _merged(found)

    def __call__(self, text: str) -> str:
        out: list[str] = []
        done = 0
        for start, end, key in self.spans(text):
            out += [text[done:start], f"<{key}>"]
            done = end
        out.append(text[done:])
        return "".join(out)
