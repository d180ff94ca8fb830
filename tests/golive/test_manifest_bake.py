"""The manifest's canary and bake: `[proxy] canary_weight` with `[bake]`, and every way they can
be wrong, each one line naming the file and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from golive.errors import ManifestError
from golive.manifest import load

PROXY = '\n[proxy]\nkind = "nginx"\ncanary_weight = 10\n'
BAKE = """
[bake]
duration_s = 60
interval_s = 10
failure_limit = 2

[[bake.checks]]
name = "canary-errors"
query = 'sum(rate(azora_http_requests_total{release="{release}", status=~"5.."}[1m]))'
comparison = "<"
threshold = 0.1
no_data = "pass"
"""


def test_a_canary_with_its_bake_loads(target: Path) -> None:
    target.write_text(target.read_text() + PROXY + BAKE)
    m = load(target)
    assert m.proxy.canary_weight == 10
    assert m.bake is not None and m.bake.measurements == 6 and m.bake.failure_limit == 2
    assert "{release}" in m.bake.checks[0].query and m.bake.checks[0].no_data == "pass"


def test_no_canary_by_default(target: Path) -> None:
    m = load(target)
    assert m.proxy.canary_weight == 0 and m.bake is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "\n[proxy]\ncanary_weight = 10\n" + BAKE,
            r"proxy\.canary_weight: a canary needs the proxy",
        ),
        (PROXY, r"bake: \[proxy\] canary_weight is set but there is no \[bake\]"),
        ('\n[proxy]\nkind = "nginx"\n' + BAKE, r"bake: a bake measures a canary"),
        (
            PROXY.replace("= 10", "= 101") + BAKE,
            r"proxy\.canary_weight: .*less than or equal to 100",
        ),
        (
            PROXY + BAKE.replace("interval_s = 10", "interval_s = 90"),
            r"bake\.interval_s: 90 is longer than duration_s \(60\)",
        ),
        (
            PROXY + BAKE.replace("failure_limit = 2", "failure_limit = 7"),
            r"bake\.failure_limit: 7 consecutive failures can never happen in 6",
        ),
        (
            PROXY + BAKE.replace("failure_limit = 2", "failure_limit = 0"),
            r"bake\.failure_limit: .*greater than or equal to 1",
        ),
        (
            PROXY + BAKE.replace('comparison = "<"', 'comparison = "~"'),
            r"bake\.checks\[canary-errors\]\.comparison",
        ),
        (PROXY + BAKE.split("[[bake.checks]]")[0], r"bake\.checks: Field required"),
        (
            PROXY + BAKE + BAKE.split("[bake]")[1].split("\n\n", 1)[1],
            r"bake\.checks: two bake checks share a name",
        ),
    ],
)
def test_a_bad_canary_or_bake_is_one_line_naming_file_and_field(
    target: Path, text: str, expected: str
) -> None:
    target.write_text(target.read_text() + text)
    with pytest.raises(ManifestError) as err:
        load(target)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(target))
    assert re.search(expected, message), message
