#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one libFuzzer target for a bounded time over its seed corpus, writing
# what it discovers to a scratch directory (libFuzzer writes into the first
# corpus directory it is given).  Usage: run-fuzz.sh TARGET SECONDS SEED_DIR [DICT]
set -euo pipefail
target=$1 seconds=$2 seeds=$3 dict=${4:-}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Leaks are the sanitizer stage's business (LeakSanitizer over the whole
# suite, with suppressions for libraries); here: memory errors, crashes, hangs.
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1)
# ... and no leak report at exit either (the targets keep a store for the run).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
[ -n "$dict" ] && args+=(-dict="$dict")
exec "$target" "${args[@]}" "$scratch" "$seeds"
