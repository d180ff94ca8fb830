#!/bin/sh
# Give an example target its own virtual environment, DIR/.venv, from its requirements files
# (DIR/requirements*.txt): the target runs with its own interpreter, never golive's.
# Idempotent: a stamp in the environment keeps the files' hash, and while it matches nothing is
# done; when the files change the environment is made anew. PYTHON picks the base interpreter.
set -eu
dir=${1:?usage: target-venv.sh DIR}
base=${PYTHON:-python3}
venv="$dir/.venv"
stamp="$venv/.requirements-sha256"
set -- "$dir"/requirements*.txt
hash=$(cat "$@" | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    exit 0
fi
echo "== $venv: the example's own virtual environment, from $*"
rm -f "$stamp"
"$base" -m venv --clear "$venv"
reqs=""
for file in "$@"; do reqs="$reqs -r $file"; done
# shellcheck disable=SC2086  # one -r per file, split on purpose
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check $reqs
echo "$hash" >"$stamp"
