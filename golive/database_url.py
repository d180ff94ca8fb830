"""The target's database URL: one env key (`[database] url_env`), or composed from several
(`[database] url = "postgresql+psycopg://${POSTGRES_USER}:…@${POSTGRES_SERVER}/${POSTGRES_DB}"`).

Everything that needs the URL (migrate, backups, rehearsals, disposable test databases,
recovery, the configure gate, `golive sql` and `golive restore`) asks here. A rehearsal or a
disposable database is another database on the same server: `with_database` rewrites the key
that holds the database's name (the URL key, or the template's `${POSTGRES_DB}`), so the
target's own code, which builds its URL from those keys, reaches the new database too.

A composed URL's parts are put together by SQLAlchemy (`URL.create`), so a password with `@`,
`/` or `:` in it is escaped as a URL needs, and never written into an error message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
PARTS = ("username", "password", "host", "port", "database")


class UrlTemplateError(ValueError):
    """A `[database] url` that cannot be a URL, or env values that do not fill it."""


@dataclass(frozen=True)
class DatabaseUrl:
    """Where the URL comes from: exactly one of `url_env` (a key) and `template`."""

    url_env: str | None = None
    template: str | None = None

    @property
    def keys(self) -> list[str]:
        """The env keys the URL is read from, in order of appearance."""
        if self.template is None:
            return [self.url_env or ""]
        return list(dict.fromkeys(REFERENCE.findall(self.template)))

    @property
    def source(self) -> str:
        """How a message names where the URL comes from."""
        if self.template is None:
            return str(self.url_env)
        return "database.url (" + ", ".join(self.keys) + ")"

    def _markers(self) -> dict[str, str]:
        """A number per key that the template does not contain, to parse it as a URL (digits,
        because a port must be one)."""
        text = self.template or ""
        markers: dict[str, str] = {}
        n = 0
        for key in self.keys:
            while (marker := f"7{n:05d}9") in text:
                n += 1
            markers[key] = marker
            n += 1
        return markers

    def shape(self) -> tuple[URL, dict[str, str]]:
        """The template parsed, each `${KEY}` as its marker; and key -> marker. Raises
        UrlTemplateError when it does not parse as a URL."""
        markers = self._markers()
        text = REFERENCE.sub(lambda m: markers[m.group(1)], self.template or "")
        try:
            return make_url(text), markers
        except (ArgumentError, ValueError):
            raise UrlTemplateError(
                "does not parse as a database URL; write it as dialect+driver://"
                "${USER}:${PASSWORD}@${HOST}:${PORT}/${DB} (or sqlite:///${DB_FILE})"
            ) from None

    def key_of(self, part: str) -> str | None:
        """The key that alone holds a part of the URL (`database`, `host`, …), if one does."""
        if self.template is None:
            return None
        url, markers = self.shape()
        value = getattr(url, part)
        return next((k for k, m in markers.items() if value is not None and str(value) == m), None)

    def missing(self, env: Mapping[str, str]) -> list[str]:
        """The keys the URL needs that env does not set (or sets empty)."""
        return [key for key in self.keys if not env.get(key, "").strip()]

    def compose(self, env: Mapping[str, str]) -> str:
        """The URL, from env; "" when a key it needs is unset. Raises UrlTemplateError when
        the values do not make a URL (never quoting a value)."""
        if self.template is None:
            return env.get(self.url_env or "", "")
        if self.missing(env):
            return ""
        url, markers = self.shape()

        def fill(text: str) -> str:
            for key, marker in markers.items():
                text = text.replace(marker, env[key])
            return text

        parts = {p: getattr(url, p) for p in PARTS}
        filled = {p: None if v is None else fill(str(v)) for p, v in parts.items()}
        port = filled.pop("port")
        if port is not None and not port.isdigit():
            key = self.key_of("port") or "the port"
            raise UrlTemplateError(f"{key} is not a port number")
        query = {
            k: fill(v) if isinstance(v, str) else tuple(map(fill, v)) for k, v in url.query.items()
        }
        composed = URL.create(
            fill(url.drivername),
            port=None if port is None else int(port),
            query=query,
            **filled,
        )
        return composed.render_as_string(hide_password=False)

    def with_database(self, env: Mapping[str, str], database: str) -> dict[str, str]:
        """env with the URL pointing at another database (a name, or a SQLite file's path) on
        the same server: the key that holds the name is rewritten, nothing else."""
        values = dict(env)
        if self.template is None:
            url_key = self.url_env or ""
            values[url_key] = render(make_url(values[url_key]).set(database=database))
            return values
        key = self.key_of("database")
        if key is None:
            raise UrlTemplateError(
                "the database name must be one ${KEY} of its own (e.g. /${POSTGRES_DB}) so "
                "golive can point rehearsals and test suites at databases of their own"
            )
        values[key] = database
        return values


def render(url: URL) -> str:
    return url.render_as_string(hide_password=False)
