#!/usr/bin/env bash
# Before/after of the client booking benchmark (bench/booking.py): a baseline worktree against
# this checkout, alternating base, main, base, main … on the same machine in the same run.
#
#   git worktree add --detach ../zapis-base 9a7d904   # 803a1c6 (before the application layer) + this harness
#   BASE=../zapis-base bash bench/compare.sh                  # 2 rounds; hello,available,board,distinct, 3 cycles × 5 s
#   ROUNDS=3 BASE=../zapis-base bash bench/compare.sh --phases hello,available,board --seconds 3   # args go to bench.booking
#
# Needs the PostgreSQL of ZAPIS_BENCH_DATABASE_URL (default: database benchdb on 127.0.0.1, created if missing).
# Tables go to $OUT (default /tmp/zapis-compare-<time>)/<n>-<side>.txt (server logs beside them as
# .stderr), then summary.txt: per phase, its server CPU per request ÷ hello's in the same run,
# the median per side, and main's change. The CPU ratio is the robust figure on this shared
# machine; requests/s swing with other load.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
BASE=$(cd "${BASE:-$HERE/../zapis-base}" && pwd)
MAIN=$(cd "${MAIN:-$HERE}" && pwd)
PY=${PY:-$MAIN/.venv/bin/python}
ROUNDS=${ROUNDS:-2}
export ZAPIS_BENCH_DATABASE_URL=${ZAPIS_BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/benchdb}
if [ $# -eq 0 ]; then
    set -- --phases hello,available,board,distinct --repeat 3 --seconds 5
fi
OUT=${OUT:-/tmp/zapis-compare-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

# Each run makes and drops its own schema; the database (not `test`, which test suites use) must exist.
createdb -h 127.0.0.1 -U postgres benchdb 2>/dev/null || true

for tree in "$BASE" "$MAIN"; do
    # Each side must import its own code, not the venv's editable install of this checkout.
    got=$(cd "$tree" && PYTHONPATH="$tree" "$PY" -c \
        'import api, actors, run, storage, bench.booking_server as s; print(api.__file__, actors.__file__, run.__file__, storage.__file__, s.__file__)')
    for f in $got; do
        case "$f" in "$tree"/*) ;; *) echo "$tree imports $f: not its own" >&2; exit 1 ;; esac
    done
    echo "$tree: $(git -C "$tree" log --oneline -1 | cut -c1-80) (uncommitted: $(git -C "$tree" status --short | wc -l) files)" | tee -a "$OUT/trees.txt"
done
for f in bench/booking.py bench/booking_server.py; do
    # Expected: only the refactor's import paths; anything else means the two sides run different harnesses.
    cmp -s "$BASE/$f" "$MAIN/$f" || { echo "note: $f differs between base and main:"; diff "$BASE/$f" "$MAIN/$f" || true; } | tee -a "$OUT/trees.txt" >&2
done

n=0
for round in $(seq 1 "$ROUNDS"); do
    for side in base main; do
        n=$((n + 1))
        tree=$BASE; [ "$side" = main ] && tree=$MAIN
        echo "[$n] $side ($tree), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
        (cd "$tree" && PYTHONPATH="$tree" "$PY" -m bench.booking "$@") \
            > "$OUT/$n-$side.txt" 2> "$OUT/$n-$side.stderr" || { echo "run $n ($side) failed, see $OUT/$n-$side.stderr" >&2; exit 1; }
        sed -n '/^| phase/,/^$/p' "$OUT/$n-$side.txt" >&2
    done
done

"$PY" - "$OUT" <<'PYEOF' | tee "$OUT/summary.txt"
"""Per run, each phase's server CPU µs/request ÷ hello's (the table's µs column, all cycles);
the median per side, and main's change against base."""
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
cost: dict[str, dict[str, list[float]]] = {"base": {}, "main": {}}  # phase → CPU ÷ hello's CPU, per run
us: dict[str, dict[str, list[float]]] = {"base": {}, "main": {}}  # phase → server CPU µs/request
rps: dict[str, dict[str, list[float]]] = {"base": {}, "main": {}}  # phase → the table's "× hello" (requests/s)
for path in sorted(out.glob("*-*.txt")):
    side = path.stem.split("-", 1)[1]
    if side not in cost:
        continue
    rows = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) >= 5 and cells[0] not in ("phase", "---"):
            rows[cells[0]] = cells
    hello_us = float(rows["hello"][3].replace(",", ""))
    for phase, cells in rows.items():
        cpu = float(cells[3].replace(",", ""))
        cost[side].setdefault(phase, []).append(cpu / hello_us)
        us[side].setdefault(phase, []).append(cpu)
        rps[side].setdefault(phase, []).append(float(cells[2]))

med = statistics.median
print(f"\n# before/after, {out.name}: medians over {len(list(out.glob('*-base.txt')))} base and "
      f"{len(list(out.glob('*-main.txt')))} main runs\n")
print("| phase | CPU ÷ hello's, base | main | change | server CPU µs/request, base | main "
      "| requests/s × hello, base | main |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for phase in cost["base"]:
    if phase == "hello" or phase not in cost["main"]:
        continue
    b, m = med(cost["base"][phase]), med(cost["main"][phase])
    change = m / b - 1
    flag = " ⚠ over 10 %" if phase in ("available", "board") and change > 0.10 else ""
    print(f"| {phase} | {b:.3f} | {m:.3f} | {change:+.1%}{flag} | {med(us['base'][phase]):,.0f} "
          f"| {med(us['main'][phase]):,.0f} | {med(rps['base'][phase]):.2f} | {med(rps['main'][phase]):.2f} |")
if cost["main"]:
    print(f"| hello (absolute) | | | | {med(us['base']['hello']):,.0f} | {med(us['main']['hello']):,.0f} | | |")
print("\nchange: + = main spends more server CPU per request than base, relative to hello in the same run "
      "(the refactor's budget: at most +10 % for available and board).")
PYEOF
echo "tables and logs: $OUT" >&2
