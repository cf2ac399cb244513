#!/usr/bin/env bash
# Refreshes the repository's copies of the two test corpora from the shared folder beside the
# checkout (read-only there), after that folder changed:
#   ../shared/conformance   -> tests/conformance/corpus/   (recorded on AWS; ORIGIN.md is ours, kept)
#   ../shared/jsonata-suite -> tests/jsonata-suite/suite/  (JSONata's reference suite, MIT)
# Each copy is replaced as a whole, so files removed upstream go too. Review with `git status`
# and `git diff --stat`, then run `cargo test -p asl-conformance -p asl-jsonata-suite`.
# Usage: scripts/refresh-corpus.sh [shared-dir]   (default: ../shared from the repository root)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${1:-$root/../shared}"

refresh() {
  local from="$1" to="$2" keep="${3:-}"
  if [ ! -d "$from" ]; then
    echo "refresh-corpus: $from is not a directory" >&2
    exit 2
  fi
  local saved=""
  if [ -n "$keep" ] && [ -f "$to/$keep" ]; then
    saved="$(mktemp)"
    cp "$to/$keep" "$saved"
  fi
  rm -rf "$to"
  mkdir -p "$to"
  cp -R "$from/." "$to/"
  # The shared folder has no write bits; the copy is the repository's to edit.
  chmod -R u+w "$to"
  if [ -n "$saved" ]; then
    mv "$saved" "$to/$keep"
    chmod 644 "$to/$keep"
  fi
  echo "refresh-corpus: $from -> ${to#"$root"/} ($(find "$to" -type f | wc -l) files)"
}

refresh "$shared/conformance" "$root/tests/conformance/corpus" ORIGIN.md
refresh "$shared/jsonata-suite" "$root/tests/jsonata-suite/suite"
