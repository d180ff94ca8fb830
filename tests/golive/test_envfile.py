"""Env files as python-dotenv reads them, plus line numbers and duplicates; and the Redactor."""

from __future__ import annotations

import base64
import random
import secrets
import string
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from golive.envfile import Duplicate, Redactor, parse_env, parse_text, read_env
from golive.errors import GoliveError

SAMPLE = """\
# a comment line, then a blank one

export APP_ENV=production
SINGLE='keeps # the hash'
DOUBLE="two words # still the value"
ESCAPED="line one\\nline two"
BARE=plain value   # an inline comment
HASH=#not-a-comment
EMPTY=
NOVALUE
BASE=https://app.example
CALLBACK=${BASE}/auth/callback
FALLBACK=${GOLIVE_TEST_SURELY_UNSET:-default-value}
MULTI="first
second"
AFTER_MULTI=yes
"""


def parsed() -> dict[str, str]:
    return parse_text(SAMPLE, Path("sample.env")).values


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("APP_ENV", "production"),  # `export` is not part of the key
        ("SINGLE", "keeps # the hash"),
        ("DOUBLE", "two words # still the value"),
        ("ESCAPED", "line one\nline two"),
        ("BARE", "plain value"),
        ("HASH", "#not-a-comment"),
        ("EMPTY", ""),
        ("NOVALUE", ""),
        ("CALLBACK", "https://app.example/auth/callback"),
        ("FALLBACK", "default-value"),
        ("MULTI", "first\nsecond"),
    ],
)
def test_quoting_export_comments_and_interpolation(key: str, value: str) -> None:
    assert parsed()[key] == value


def test_comments_are_not_keys() -> None:
    assert not any(k.startswith("#") for k in parsed())


def test_each_key_has_the_line_it_is_on() -> None:
    env = parse_text(SAMPLE, Path("sample.env"))
    numbered = SAMPLE.splitlines()
    for key, line in env.lines.items():
        assert key in numbered[line - 1], (key, line)
    assert env.lines["APP_ENV"] == 3  # after a comment and a blank line
    assert env.lines["AFTER_MULTI"] == 16  # a multi-line value counts all its lines


def test_a_key_set_twice_is_a_duplicate_and_the_last_value_counts() -> None:
    text = "A=1\nB=2\n\nexport A=3\nA=4\n"
    env = parse_text(text, Path("dup.env"))
    assert env.values["A"] == "4"
    assert env.lines["A"] == 5
    assert env.duplicates == [Duplicate("A", 4, 1), Duplicate("A", 5, 4)]


def test_lines_that_do_not_parse_are_reported_by_number() -> None:
    env = parse_text("A=1\nthis is not a binding\nB=2\n", Path("bad.env"))
    assert env.unparsed_lines == [2]
    assert env.values == {"A": "1", "B": "2"}


def test_crlf_files_number_lines_like_lf_files() -> None:
    env = parse_text("A=1\r\n\r\nB=2\r\n", Path("crlf.env"))
    assert env.lines == {"A": 1, "B": 3}


def test_read_env_and_parse_env_agree(tmp_path: Path) -> None:
    path = tmp_path / "sample.env"
    path.write_text(SAMPLE)
    assert read_env(path) == parse_env(path).values == parsed()


def test_a_missing_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(GoliveError, match=r"nope\.env: env file not found"):
        parse_env(tmp_path / "nope.env")


def test_an_undecodable_file_is_a_clear_error_without_content(tmp_path: Path) -> None:
    path = tmp_path / "binary.env"
    path.write_bytes(b"SECRET=\xff\xfe\xfd-not-utf8\n")
    with pytest.raises(GoliveError) as err:
        parse_env(path)
    assert "binary.env" in str(err.value) and "not-utf8" not in str(err.value)


def test_redactor_hides_every_value_behind_its_key() -> None:
    secret = "sk_live_8Sm7TvVs1NY7gsuA4WaF1dlRIQWh4QnzZHsowLTn"
    redact = Redactor(
        {"PAYMENT_SECRET_KEY": secret, "JWT_SECRET": "c96f380f3755ce4e", "DEBUG": "1"}
    )
    text = f"charge failed with key={secret}; jwt c96f380f3755ce4e; retry 1 of 3"
    out = redact(text)
    assert secret not in out and "c96f380f3755ce4e" not in out
    assert "<PAYMENT_SECRET_KEY>" in out and "<JWT_SECRET>" in out
    assert "retry 1 of 3" in out  # short values are not secrets: the text stays readable


def test_redactor_replaces_the_longer_value_first() -> None:
    redact = Redactor({"SHORT": "abc-12", "LONG": "abc-12-3456"})
    assert redact("x abc-12-3456 y abc-12") == "x <LONG> y <SHORT>"


# Not a real key: random-looking, with characters whose base64 and URL encodings differ.
SECRET = "Zq7~vK2>mP9?xW4!tR8_nB3@cL6.hD1-"
FILLER = "request handled in 12 ms by worker 3; "


def test_any_fragment_of_eight_or_more_characters_of_a_secret_is_redacted() -> None:
    redact = Redactor({"JWT_SECRET": SECRET}, secret_keys=["JWT_SECRET"])
    for length in (8, 13, len(SECRET)):
        for start in range(len(SECRET) - length + 1):  # prefixes, middles and suffixes
            piece = SECRET[start : start + length]
            out = redact(f"{FILLER}token={piece}; {FILLER}")
            assert out == f"{FILLER}token=<JWT_SECRET>; {FILLER}", piece


def test_seven_characters_of_a_secret_are_left_alone() -> None:
    redact = Redactor({"JWT_SECRET": SECRET}, secret_keys=["JWT_SECRET"])
    text = f"prefix {SECRET[:7]} and suffix {SECRET[-7:]}"
    assert redact(text) == text


@pytest.mark.parametrize(
    "encode",
    [
        base64.b64encode,
        base64.urlsafe_b64encode,
        lambda raw: base64.b64encode(raw).rstrip(b"="),
        lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"="),
    ],
    ids=["standard", "urlsafe", "standard-unpadded", "urlsafe-unpadded"],
)
def test_a_secrets_base64_is_redacted(encode: Callable[[bytes], bytes]) -> None:
    assert base64.b64encode(SECRET.encode()) != base64.urlsafe_b64encode(SECRET.encode())
    redact = Redactor({"JWT_SECRET": SECRET}, secret_keys=["JWT_SECRET"])
    encoded = encode(SECRET.encode()).decode()
    assert redact(f"sent {encoded} to the api") == "sent <JWT_SECRET> to the api"


def test_a_secret_base64_encoded_inside_longer_data_is_redacted() -> None:
    redact = Redactor({"API_PASSWORD": SECRET})  # a secret by its name
    for prefix in ("", "u:", "us:", "user:"):  # every byte alignment
        header = base64.b64encode(f"{prefix}{SECRET}".encode()).decode()
        out = redact(f"Authorization: Basic {header}")
        assert "<API_PASSWORD>" in out
        assert not any(header[i : i + 8] in out for i in range(8, len(header) - 12)), out


def test_a_secrets_url_encoded_form_is_redacted() -> None:
    redact = Redactor({"JWT_SECRET": SECRET}, secret_keys=["JWT_SECRET"])
    for encoded in (quote(SECRET, safe=""), quote_plus(SECRET)):
        assert encoded != SECRET
        assert (
            redact(f"GET /callback?state={encoded}&x=1") == "GET /callback?state=<JWT_SECRET>&x=1"
        )


def test_short_and_plain_values_that_are_not_secrets_do_not_mangle_text() -> None:
    values = {"APP_ENV": "production", "LOG_LEVEL": "info", "PORT": "8080", "REGION": "eu-west"}
    text = "launch 3 to production-rehearsal, log level info on port 8080 in eu-west"
    assert Redactor(values)(text) == text


def test_a_value_that_is_no_secret_is_replaced_whole_only() -> None:
    url = "https://app.azora.example/auth/callback"
    redact = Redactor({"OAUTH_REDIRECT_URL": url})
    assert redact(f"redirect to {url} refused") == "redirect to <OAUTH_REDIRECT_URL> refused"
    assert redact("host app.azora.example/auth is up") == "host app.azora.example/auth is up"


def test_random_looking_values_and_url_credentials_are_secrets_whatever_their_key() -> None:
    client_id = "azora-web-QA5Kst4QCTU16AzQlUR10Adt"
    dsn = "https://fde7095d41eef54086a48b7fa21bd8f1@o1.ingest.sentry.example/42"
    db = "postgresql://azora:Hunter2-correct-horse@db.example:5432/azora"
    redact = Redactor({"OAUTH_CLIENT_ID": client_id, "SENTRY_DSN": dsn, "DATABASE_URL": db})
    out = redact(
        f"id {client_id[:12]}; dsn key fde7095d41eef540; password Hunter2-correct; "
        "host db.example, ingest at o1.ingest.sentry.example"
    )
    assert out == (
        "id <OAUTH_CLIENT_ID>; dsn key <SENTRY_DSN>; password <DATABASE_URL>; "
        "host db.example, ingest at o1.ingest.sentry.example"
    )


def test_a_payment_keys_mode_prefix_alone_is_not_a_secret() -> None:
    key = "sk_live_zhBcB1qI60daHd1kYAl6WfFIQLCH91zYGwoIJGNN"
    redact = Redactor({"PAYMENT_SECRET_KEY": key})
    assert redact("expected a sk_live_ key") == "expected a sk_live_ key"
    assert redact(f"key={key}.") == "key=<PAYMENT_SECRET_KEY>."
    assert redact(f"key ends {key[-10:]}") == "key ends <PAYMENT_SECRET_KEY>"


def test_overlapping_secrets_are_both_redacted_each_under_its_key() -> None:
    first, second = "alpha-7Hq2vZ-SHARED9x4", "SHARED9x4-omega-4Kp8mW"
    redact = Redactor({"FIRST_SECRET": first, "SECOND_SECRET": second})
    out = redact(f"[{first}-omega-4Kp8mW] [{second}] [{first}]")
    assert out == "[<FIRST_SECRET><SECOND_SECRET>] [<SECOND_SECRET>] [<FIRST_SECRET>]"


def test_a_megabyte_with_twenty_secrets_is_redacted_completely() -> None:
    values = {f"KEY_{i}_SECRET": secrets.token_urlsafe(48) for i in range(20)}
    redact = Redactor(values)
    noise = "".join(random.Random(7).choices(string.printable, k=50_000))
    text = "".join(f"{noise}{i} {v[i : i + 20]} {v}\n" for i, v in enumerate(values.values()))
    assert len(text) > 1_000_000
    out = redact(text)
    assert all(f"<KEY_{i}_SECRET>" in out for i in range(20))
    assert not any(v[j : j + 8] in out for v in values.values() for j in range(len(v) - 7))


def test_a_run_of_repeated_secret_text_is_redacted_as_one_piece() -> None:
    redact = Redactor({"WEAK_SECRET": "ab" * 20})
    assert redact("x" + "ab" * 5000 + "y" + "ab" * 3) == "x<WEAK_SECRET>yababab"
