#!/usr/bin/env bash
# Installs what the browser tests of `syndic report` (tests/browser) need:
# Chromium from the distribution's packages, and playwright-core from the
# npm lock file. Safe to run again: it skips what is already there.
#
# Run the tests afterwards with:
#   cargo build -p syndic-cli && (cd tests/browser && node --test)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
fi

cd "$root/tests/browser"
# npm records what it installed in node_modules/.package-lock.json; an
# install newer than the lock file is current.
if ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
