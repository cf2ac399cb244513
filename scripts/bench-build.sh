#!/usr/bin/env bash
# codegen_300, second half: the extra `cargo build` time of a crate that compiles the
# 300-state benchmark definition with `asl!`, compared with the same crate without it.
# Builds two throwaway crates under target/bench-build (dependencies built once first), then
# times a rebuild of each after touching its source. Needs cargo and awk.
# Usage: scripts/bench-build.sh [profile]   (dev by default; e.g. release)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/bench-build"
profile="${1:-dev}"
mkdir -p "$work"

make_crate() {
  local name="$1" body="$2"
  mkdir -p "$work/$name/src"
  cat > "$work/$name/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
asl-runtime = { path = "$root/runtime" }

[workspace]
TOML
  printf '%s\n' "$body" > "$work/$name/src/lib.rs"
}

make_crate without_asl '//! The same crate without the workflow.
pub fn hello() -> &'"'"'static str { "hi" }'
make_crate with_asl '//! A crate compiling the 300-state benchmark definition.
asl_runtime::asl!(pub mod workflow from "'"$root"'/bench/workflows/codegen_300.asl.json");
pub fn hello() -> &'"'"'static str { "hi" }'

time_build() {
  local dir="$work/$1"
  (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo build -q --profile "$profile" >/dev/null 2>&1)
  # A fresh build of the crate itself (its dependencies stay built).
  (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo clean -q -p "$1" --profile "$profile" >/dev/null 2>&1)
  local start end
  start=$(date +%s.%N)
  (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo build -q --profile "$profile")
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }' 
}

without=$(time_build without_asl)
with=$(time_build with_asl)
printf 'cargo build (%s) of a crate using asl! on codegen_300: %.2f s; without it: %.2f s; extra: %.2f s\n' \
  "$profile" "$with" "$without" "$(awk -v a="$without" -v b="$with" 'BEGIN { printf "%.3f", b - a }')"
