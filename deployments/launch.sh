#!/usr/bin/env bash
# Start a launch deployment from a script and wait for its verdict:
#   deployments/launch.sh soft-launch production [--rehearsal] [--manifest PATH]
# Exit 0 on GO; non-zero on NO-GO or a run that could not start (prefect's --watch).
set -euo pipefail
deployment="${1:?usage: launch.sh DEPLOYMENT ENVIRONMENT [--rehearsal] [--manifest PATH]}"
environment="${2:?usage: launch.sh DEPLOYMENT ENVIRONMENT [--rehearsal] [--manifest PATH]}"
shift 2
rehearsal=false
manifest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rehearsal) rehearsal=true ;;
    --manifest) manifest="$2"; shift ;;
    *) echo "launch.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
case "$deployment" in
  full-launch) variant=full; flow=launch ;;
  soft-launch) variant=soft; flow=launch ;;
  staged-launch|nightly-rehearsal) variant=full; flow=staged-launch ;;
  *) echo "launch.sh: unknown deployment $deployment" >&2; exit 2 ;;
esac
request="{\"variant\": \"$variant\", \"environment\": \"$environment\", \"rehearsal\": $rehearsal"
[ -n "$manifest" ] && request="$request, \"manifest\": \"$manifest\""
request="$request}"
exec prefect deployment run "$flow/$deployment" -p "request=$request" --watch
