#!/usr/bin/env bash
# Make .venv (Python 3.11) and install a pinned requirements file into it, only when it changed.
#
#   scripts/venv.sh requirements.txt        # what `make run` needs
#   scripts/venv.sh requirements-dev.txt    # what `make test` / `make lint` need (includes requirements.txt)
#
# A stamp file in .venv holds a hash of the requirement files and the Python version; pip runs only
# when that hash changes, so a second `make run` starts in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

req=${1:?usage: scripts/venv.sh REQUIREMENTS_FILE}
[[ -f $req ]] || { echo "venv.sh: $req not found" >&2; exit 2; }

find_python() {
    local py
    for py in python3.11 python3; do
        if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    py=$(find_python) || {
        echo "Python 3.11 is needed (Debian 12: apt-get install python3 python3-venv)." >&2
        exit 1
    }
    if ! "$py" -c 'import ensurepip, venv' 2>/dev/null; then
        echo "Python's venv module is missing (Debian 12: apt-get install python3-venv)." >&2
        exit 1
    fi
    echo "== creating .venv with $($py --version)"
    rm -rf .venv
    "$py" -m venv .venv
fi

# requirements-dev.txt includes requirements.txt with -r, so both go into the hash.
hash_of() { { cat "$1" requirements.txt; .venv/bin/python --version; } | sha256sum | cut -d' ' -f1; }
stamp=".venv/.installed-$(basename "$req")"
want=$(hash_of "$req")
# requirements.txt is installed already when the current requirements-dev.txt is (it includes it):
# `make run` after `make test` does not run pip again.
dev_stamp=.venv/.installed-requirements-dev.txt
if [[ $req == requirements.txt && -f $dev_stamp && $(cat "$dev_stamp") == "$(hash_of requirements-dev.txt)" ]]; then
    exit 0
fi
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "== installing $req into .venv"
    .venv/bin/python -m pip install --disable-pip-version-check --quiet -r "$req"
    echo "$want" >"$stamp"
fi
