#!/usr/bin/env bash
# Store speed under the API server (issue 5, "Speed": creates durable), without HTTP, via io.wharf.bench.StoreBench:
# Wharf's SQLite store (WAL, synchronous=FULL, group commit), Wharf's etcd store and raw etcd through jetcd, both on
# an etcd 3.4 (Debian etcd-server) started here on free loopback ports with its data in a temp dir on the same disk
# as the SQLite file. Creates from C=32 writers (N each run), then gets from 32 readers for SECONDS.
# Prints one line per figure and the ratio to raw etcd.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"; source "$HERE/lib.sh"
need_root; use_java25
C=${C:-32}; N=${N:-4000}; SECS=${SECS:-5}
command -v etcd >/dev/null || apt_install etcd-server
need_bench_jar
work=$(mktemp -d /var/tmp/wharf-bench-store.XXXXXX)
cport=$(free_port); pport=$(free_port)
epid=""
cleanup() { stop_pid "$epid"; rm -rf "$work"; }
trap cleanup EXIT

etcd --name bench --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
  --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
  --initial-cluster "bench=http://127.0.0.1:$pport" --initial-cluster-state new >"$work/etcd.log" 2>&1 &
epid=$!
for i in $(seq 1 200); do
  ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$cport" endpoint health >/dev/null 2>&1 && break
  kill -0 "$epid" 2>/dev/null || { tail -20 "$work/etcd.log" >&2; exit 1; }
  sleep 0.1
done
E=http://127.0.0.1:$cport
SB() { bench_java io.wharf.bench.StoreBench "$@" --c "$C" --n "$N" --seconds "$SECS"; }

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), C=$C N=$N SECS=$SECS, $(etcd --version | head -1)"
SB sqlite --dir "$work/sqlite" >"$work/out.jsonl"
SB etcd --endpoints "$E" >>"$work/out.jsonl"
SB raw-etcd --endpoints "$E" >>"$work/out.jsonl"
etcd_rss=$(rss_mb "$epid")

python3 - "$work/out.jsonl" "$C" <<'PY'
import json, sys
rows = {json.loads(l)["label"]: json.loads(l) for l in open(sys.argv[1])}
c = sys.argv[2]
def row(name, label, base):
    r, b = rows.get(label), rows.get(base)
    if not r:
        print(f"{name:<34} {'-':>10}"); return
    ratio = f"{r['rps'] / b['rps']:.2f}" if b and b['rps'] else "-"
    print(f"{name:<34} {r['rps']:>10.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {ratio:>9}  errors={r['errors']}")
print(f"{'figure (ops/s, ms)':<34} {'ops/s':>10} {'p50':>8} {'p99':>8} {'/raw etcd':>9}")
row(f"sqlite store create, {c} writers", f"sqlite create c={c}", f"raw-etcd put c={c}")
row(f"etcd store create, {c} writers", f"etcd-store create c={c}", f"raw-etcd put c={c}")
row(f"raw etcd put (jetcd), {c} writers", f"raw-etcd put c={c}", f"raw-etcd put c={c}")
row(f"sqlite store get, {c} readers", f"sqlite get c={c}", f"raw-etcd get c={c}")
row(f"etcd store get, {c} readers", f"etcd-store get c={c}", f"raw-etcd get c={c}")
row(f"raw etcd get (jetcd), {c} readers", f"raw-etcd get c={c}", f"raw-etcd get c={c}")
PY
echo "etcd RSS after the runs: $etcd_rss MB; etcd data $(du -sh "$work/etcd" | cut -f1), sqlite $(du -sh "$work/sqlite" | cut -f1)"
echo "# raw:"; cat "$work/out.jsonl"
