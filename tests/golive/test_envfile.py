"""Env files as python-dotenv reads them, plus line numbers and duplicates; and the Redactor."""

from __future__ import annotations

from pathlib import Path

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
    redact = Redactor({"SHORT": "abcdef", "LONG": "abcdef-123456"})
    assert redact("x abcdef-123456 y abcdef") == "x <LONG> y <SHORT>"
