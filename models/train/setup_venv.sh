#!/usr/bin/env bash
# Creates the training virtualenv (<repo>/.venv) and installs models/train/requirements.txt.
# Idempotent: a stamp in the venv holds the hash of the requirements it was installed from,
# and nothing is done while it matches. Prints the venv's python path as its only stdout line,
# so callers can do PYTHON=$(bash models/train/setup_venv.sh).
#
# PYTHON=python3.11 bash models/train/setup_venv.sh   picks the interpreter (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
base_python="${PYTHON:-python3}"

say() { echo "setup_venv: $*" >&2; }

if ! command -v "$base_python" >/dev/null 2>&1; then
  say "$base_python not found: install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)"
  exit 1
fi
if ! "$base_python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  say "$("$base_python" --version 2>&1) is too old: the pinned numpy and pandas need Python 3.11 or newer"
  exit 1
fi

# The stamp also covers the interpreter: a venv built by another Python version is rebuilt.
wanted="$( { cat "$requirements"; "$base_python" --version 2>&1; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

create_venv() { "$base_python" -m venv "$venv" >/dev/null 2>&1; }

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$venv"  # a half-made venv (venv without ensurepip leaves one) would fail later
  if ! create_venv; then
    rm -rf "$venv"
    # Debian and Ubuntu ship the venv module's pip bootstrap separately.
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
      say "python3 -m venv failed; installing python3-venv with apt-get"
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
      create_venv || { say "python3 -m venv still fails after installing python3-venv"; exit 1; }
    else
      say "python3 -m venv failed: install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv) and run again"
      exit 1
    fi
  fi
fi

say "installing $(grep -c '==' "$requirements") pinned packages into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
echo "$wanted" >"$stamp"
echo "$venv/bin/python"
