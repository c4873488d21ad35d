#!/usr/bin/env bash
# API server speed (issue 5, "Speed"): Wharf's server on a temp root and a free loopback port, driven by
# io.wharf.bench.ApiBench (closed loop, one TLS connection per worker, admin client certificate from the generated
# kubeconfig, HTTP/2 via ALPN or HTTP/1.1) — the same shape as the anchors' Go apibench, so the figures compare with
# the Kubernetes 1.20 anchor's:
#   cold start (process start -> /readyz 200; first start on an empty root, then a restart on the same root),
#   GET one ConfigMap (32 conc., h2 and http/1.1), LIST of 100 ConfigMaps (8 conc.), creates (32 conc.),
#   LIST of 10,000 pods (created first through the API), idle RSS and RSS with 10,000 pods,
#   (idle: the restarted server with no requests, 2 s and 10 s after /readyz; /readyz is the API server's, and the
#   controllers and scheduler in the same process are still making their first lists and connections at 2 s; the JVM
#   hands the compiler's arenas of those start-up compilations back about 5 s later, so the 10 s figure is the idle one)
#   and (WATCH=1, the default) 1,000 watchers receiving each event of 100 writes/s (after 2 s of unmeasured writes); plus wrk (HTTP/1.1, static bearer
#   token) for GET and LIST, as the anchor's second client, and h2load (nghttp2, HTTP/2, same token) for GET and LIST.
# With WITH_ANCHOR=1 and the anchor built (anchors/k8s-anchor-build.sh, ~5 min) the same load runs against
# kube-apiserver 1.20 in the same run; otherwise the anchor's figures from its earlier run are printed, labelled so.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"; source "$HERE/lib.sh"
need_root; use_java25
command -v wrk >/dev/null || apt_install wrk; command -v h2load >/dev/null || apt_install nghttp2-client
SECONDS_PER=${SECONDS_PER:-10}; PODS=${PODS:-10000}; WATCH=${WATCH:-1}; WATCHERS=${WATCHERS:-1000}
need_bench_jar
ANCH=$TOP/../shared/anchors
work=$(mktemp -d /var/tmp/wharf-bench-api.XXXXXX)
port=$(free_port)
spid=""
cleanup() { stop_pid "$spid"; rm -rf "$work"; }
trap cleanup EXIT

SERVER=(env LC_ALL=C.UTF-8 "$TOP/bin/wharf" server --root "$work/root" --run-dir "$work/run" --config-dir "$work/etc" --port "$port"
        --token-auth-file "$work/tokens.csv")
how="bin/wharf server"
# a static bearer token for wrk (which cannot present a client certificate), as the anchor's wrk figures used one
TOKEN=wharf-bench-$RANDOM$RANDOM
echo "$TOKEN,wharf-bench,wharf-bench,\"system:masters\"" > "$work/tokens.csv"
took=""
start_server() { # sets spid, and took = seconds from launch to /readyz 200 (not in $(...): spid must reach this shell)
  local t0; t0=$(now)
  "${SERVER[@]}" >>"$work/server.log" 2>&1 &
  spid=$!
  for i in $(seq 1 1500); do
    [ "$(curl -sk -m 1 "https://127.0.0.1:$port/readyz" 2>/dev/null)" = ok ] && { took=$(python3 -c "print('%.2f' % ($(now)-$t0))"); return 0; }
    kill -0 "$spid" 2>/dev/null || { echo "server exited; log:" >&2; tail -30 "$work/server.log" >&2; exit 1; }
    sleep 0.02
  done
  echo "server not ready after 30 s" >&2; tail -30 "$work/server.log" >&2; exit 1
}

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), SECONDS_PER=$SECONDS_PER PODS=$PODS, server: $how"
start_server; cold_first=$took
stop_pid "$spid"; spid=""
start_server; cold_again=$took
kc=$(find "$work" -name admin.conf 2>/dev/null | head -1)
[ -n "$kc" ] || { echo "no admin.conf under $work" >&2; exit 1; }
sleep 2; idle2=$(rss_mb "$spid"); sleep 8; idle=$(rss_mb "$spid")

AB() { bench_java io.wharf.bench.ApiBench "$1" --kubeconfig "$2" "${@:3}"; }
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get(sys.argv[2], "-"))' "$1" "$2"; }
run_all() { # tag kubeconfig extra-args... : one JSON line per figure into $work/$tag.jsonl
  local tag=$1 k=$2; shift 2
  local out=$work/$tag.jsonl
  AB seed "$k" "$@" --ns bench100 --count 100 --c 8 >/dev/null
  AB get "$k" "$@" --path /api/v1/namespaces/bench100/configmaps/cm-0 --c 32 --seconds "$SECONDS_PER" --label get >>"$out"
  AB get "$k" "$@" --path /api/v1/namespaces/bench100/configmaps/cm-0 --c 32 --seconds "$SECONDS_PER" --http1 --label get >>"$out"
  # as client-go (kubectl, controllers) sends them: 32 concurrent requests as streams of one HTTP/2 connection
  AB get "$k" "$@" --path /api/v1/namespaces/bench100/configmaps/cm-0 --c 32 --conns 1 --seconds "$SECONDS_PER" --label get >>"$out"
  AB list "$k" "$@" --path /api/v1/namespaces/bench100/configmaps --c 8 --seconds "$SECONDS_PER" --label list100 >>"$out"
  AB list "$k" "$@" --path /api/v1/namespaces/bench100/configmaps --c 8 --seconds "$SECONDS_PER" --http1 --label list100 >>"$out"
  AB create "$k" "$@" --ns benchcreate --c 32 --seconds "$SECONDS_PER" --label create >>"$out" || true
}
# pods first, so that the RSS with $PODS pods is not also the RSS with the creates' ConfigMaps
t=$(now); AB seed "$kc" --ns benchpods --kind pods --count "$PODS" --c 32 --label "seed $PODS pods" >>"$work/wharf.jsonl"
seed_s=$(python3 -c "print('%.1f' % ($(now)-$t))")
AB list "$kc" --path /api/v1/namespaces/benchpods/pods --c 1 --n 10 --warmup-seconds 1 --label "list $PODS pods" >>"$work/wharf.jsonl"
# The scheduler in the same process now makes its first pass over $PODS pods that no node can take: a
# FailedScheduling event and a PodScheduled=False status for each (as kube-scheduler does), ~20,000 writes that keep
# both cores busy for ~30-40 s. The figures below are the API server's under the load generator's requests, so they
# wait until that pass is over: the server uses under 0.3 s of CPU in 2 s (at most 180 s).
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t}' "/proc/$1/stat"; }
t=$(now)
for i in $(seq 1 90); do
  c0=$(cpu_s "$spid"); sleep 2; c1=$(cpu_s "$spid")
  python3 -c "import sys; sys.exit(0 if $c1 - $c0 < 0.3 else 1)" && break
done
quiet_s=$(python3 -c "print('%.0f' % ($(now)-$t))")
busy=$(rss_mb "$spid")
# the namespace for creates must exist first
AB seed "$kc" --ns benchcreate --count 0 --c 1 >/dev/null
run_all wharf "$kc"
# wrk (C, HTTP/1.1, 2 threads): the anchor's second client; its figures do not depend on a JVM client sharing the CPU
# creates: each wrk thread POSTs ConfigMaps named wrk-<thread>-<n> (the Lua state is per thread)
cat > "$work/create.lua" <<'LUA'
local n, threads = 0, 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end   -- a global in that thread's state
local h
function request()   -- a headers table given to wrk.format replaces the -H ones: copy them in
  if not h then h = {}; for k, v in pairs(wrk.headers) do h[k] = v end; h["Content-Type"] = "application/json" end
  n = n + 1
  return wrk.format("POST", "/api/v1/namespaces/benchcreate/configmaps", h,
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wrk-' .. tid .. '-' .. n .. '"},"data":{"key":"value-0123456789abcdef"}}')
end
LUA
wrk_line() { # label conc path [lua script]
  wrk -t2 -c"$2" -d"${SECONDS_PER}s" --latency -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json' \
    ${4:+-s "$4"} "https://127.0.0.1:$port$3" >"$work/wrk.txt" 2>&1 || true
  python3 - "$work/wrk.txt" "$1" <<'PY' >>"$work/wharf.jsonl"
import json, re, sys
t = open(sys.argv[1]).read()
rps = re.search(r'Requests/sec:\s+([\d.]+)', t)
p99 = re.search(r'\n\s+99%\s+([\d.]+)(us|ms|s)\b', t)
p99ms = (float(p99.group(1)) * {'us': 0.001, 'ms': 1, 's': 1000}[p99.group(2)]) if p99 else None
non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', t)
total = re.search(r'(\d+) requests in', t)
print(json.dumps({"label": sys.argv[2], "rps": float(rps.group(1)) if rps else None, "p99_ms": p99ms,
                  "requests": int(total.group(1)) if total else 0,
                  "errors": int(non2xx.group(1)) if non2xx else 0}, separators=(",", ":")))
PY
}
# h2load (nghttp2, C): the same for HTTP/2, one stream per connection (closed loop like apibench); no percentiles
h2load_line() { # label conc path
  h2load -t2 -c"$2" -m1 --warm-up-time=1 -D"$SECONDS_PER" -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json' \
    "https://127.0.0.1:$port$3" >"$work/h2load.txt" 2>&1 || true
  python3 - "$work/h2load.txt" "$1" <<'PY' >>"$work/wharf.jsonl"
import json, re, sys
t = open(sys.argv[1]).read()
rps = re.search(r'([\d.]+) req/s', t)
req = re.search(r'time for request:\s+(\S+)\s+(\S+)\s+(\S+)', t)
ms = lambda v: float(re.match(r'[\d.]+', v).group()) * (0.001 if v.endswith('us') else 1000 if v.endswith('s') and not v.endswith('ms') else 1)
codes = re.search(r'status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx', t)
print(json.dumps({"label": sys.argv[2], "rps": float(rps.group(1)) if rps else None,
                  "mean_ms": ms(req.group(3)) if req else None, "max_ms": ms(req.group(2)) if req else None,
                  "errors": (int(codes.group(3)) + int(codes.group(4))) if codes else None}, separators=(",", ":")))
PY
}
if command -v h2load >/dev/null; then
  h2load_line "h2load get c=32" 32 /api/v1/namespaces/bench100/configmaps/cm-0
  h2load_line "h2load list100 c=8" 8 /api/v1/namespaces/bench100/configmaps
fi
if command -v wrk >/dev/null; then
  wrk_line "wrk get c=32" 32 /api/v1/namespaces/bench100/configmaps/cm-0
  wrk_line "wrk get c=8" 8 /api/v1/namespaces/bench100/configmaps/cm-0
  wrk_line "wrk list100 c=8" 8 /api/v1/namespaces/bench100/configmaps
  wrk_line "wrk create c=32" 32 /api/v1/namespaces/benchcreate/configmaps "$work/create.lua"
fi
if [ "$WATCH" = 1 ]; then
  c0=$(cpu_s "$spid")
  AB watch "$kc" --ns benchwatch --watchers "$WATCHERS" --rate 100 --seconds 5 >>"$work/wharf.jsonl" || echo '{"label":"watch failed"}' >>"$work/wharf.jsonl"
  watch_server_cpu=$(python3 -c "print('%.2f' % ($(cpu_s "$spid") - $c0))")
fi
after=$(rss_mb "$spid")

# the Kubernetes 1.20 anchor, same load in the same run, only when asked for and built
anchor=0
if [ "${WITH_ANCHOR:-0}" = 1 ] && [ -x /var/tmp/k8s-anchor/bin/kube-apiserver ]; then
  export K8S_ANCHOR=/var/tmp/k8s-anchor   # the anchors' scripts take their directory from this variable
  # a failed anchor start must not lose Wharf's figures, which are measured by now
  if "$ANCH/start-k8s-anchor.sh" >"$work/anchor-start.txt" 2>&1; then
    cat "$work/anchor-start.txt" >&2
    AB seed /var/tmp/k8s-anchor/admin.conf --ns benchcreate --count 0 --c 1 >/dev/null
    run_all anchor /var/tmp/k8s-anchor/admin.conf
    for n in kube-apiserver etcd; do
      echo "# anchor $n RSS after the runs: $(rss_mb "$(cat /var/tmp/k8s-anchor/run/$n.pid)") MB" >&2
    done
    anchor=1
  else
    echo "# the anchor did not start (figures below marked * are from its earlier run):" >&2; tail -5 "$work/anchor-start.txt" >&2
  fi
  "$ANCH/stop-k8s-anchor.sh" >&2 || true
fi

echo "# ApiBench lines: $SECONDS_PER s closed loop after a 3 s warm-up (2 s for creates), Netty event-loop client (LoopLoad), admin cert; wrk/h2load: $SECONDS_PER s, bearer token; raw JSON below"
printf '%-40s %10s %9s %9s   %s\n' figure "wharf" "p99 ms" "anchor" "anchor p99 ms"
line() { # label-in-json, printed name, anchor-fallback-rps, anchor-fallback-p99
  local w a; w=$(grep -F "\"label\":\"$1\"" "$work/wharf.jsonl" | head -1 || true)
  local arps=$3 ap99=$4
  if [ "$anchor" = 1 ]; then a=$(grep -F "\"label\":\"$1\"" "$work/anchor.jsonl" | head -1 || true)
    [ -n "$a" ] && { arps=$(field "$a" rps); ap99=$(field "$a" p99_ms); }
  fi
  printf '%-40s %10s %9s %9s   %s\n' "$2" "$([ -n "$w" ] && field "$w" rps || echo -)" "$([ -n "$w" ] && field "$w" p99_ms || echo -)" "$arps" "$ap99"
}
ref=$([ "$anchor" = 1 ] && echo "" || echo "*")
line "get h2 c=32" "GET 1 ConfigMap, h2, 32 conc (req/s)" "3954$ref" "23.4$ref"
line "get http/1.1 c=32" "GET 1 ConfigMap, http/1.1, 32 (req/s)" "4892$ref" "-"
line "get h2 c=32 conns=1" "GET 1 CM, h2, 32 streams on 1 conn" "-" "-"
line "list100 h2 c=8" "LIST 100 ConfigMaps, h2, 8 conc (req/s)" "1013$ref" "24.7$ref"
line "list100 http/1.1 c=8" "LIST 100 ConfigMaps, http/1.1, 8" "1286$ref" "-"
line "create h2 c=32" "create ConfigMap, h2, 32 conc (/s)" "1909$ref" "72.8$ref"
line "h2load get c=32" "h2load GET 1 CM, token, h2, 32 (req/s)" "-" "-"
line "h2load list100 c=8" "h2load LIST 100 CMs, token, h2, 8" "-" "-"
line "wrk get c=32" "wrk GET 1 ConfigMap, token, 32 (req/s)" "4892*" "-"
line "wrk get c=8" "wrk GET 1 ConfigMap, token, 8 (req/s)" "3982*" "-"
line "wrk list100 c=8" "wrk LIST 100 ConfigMaps, token, 8" "1286*" "-"
line "wrk create c=32" "wrk create ConfigMap, token, 32 (/s)" "-" "-"
w=$(grep -F '"label":"list '"$PODS"' pods' "$work/wharf.jsonl" | head -1 || true)
printf '%-40s %10s\n' "LIST $PODS pods, 1 conc: p50 ms (10 runs)" "$([ -n "$w" ] && field "$w" p50_ms || echo -)"
printf '%-40s %10s   (%s s to create them through the API, 32 conc)\n' "  ... max ms" "$([ -n "$w" ] && field "$w" max_ms || echo -)" "$seed_s"
w=$(grep -F '"label":"watch' "$work/wharf.jsonl" | head -1 || true)
if [ -n "$w" ]; then
  printf '%-40s %10s %9s   received %s of %s events, %s of %s watchers got all\n' "$WATCHERS watchers, 100 writes/s: p50 / p99 ms" \
    "$(field "$w" p50_ms)" "$(field "$w" p99_ms)" "$(field "$w" events_received)" "$(field "$w" events_expected)" "$(field "$w" watchers_complete)" "$WATCHERS"
  printf '%-40s   server %s s, client %s s of CPU in %s s (2 cores)\n' "  CPU during the watch run" "${watch_server_cpu:-?}" "$(field "$w" client_cpu_s)" "$(field "$w" elapsed_s)"
fi
printf '%-40s %10s %9s %9s\n' "cold start -> /readyz, empty root (s)" "$cold_first" "" "3.95*"
printf '%-40s %10s %9s %9s\n' "restart -> /readyz, same root (s)" "$cold_again" "" "-"
printf '%-40s %10s %9s %9s\n' "RSS idle, 10 s after /readyz (MB)" "$idle" "" "335+52*"
printf '%-40s %10s %9s %9s\n' "RSS 2 s after /readyz (MB)" "$idle2" "" "-"
printf '%-40s %10s %9s %9s\n' "RSS with $PODS pods stored (MB)" "$busy" "" "-"
echo "  (the controllers' first pass over the $PODS unschedulable pods ended ${quiet_s} s after the LIST; the figures above were measured after it)"
cms=$(python3 -c 'import json,sys; print(100 + sum(d.get("requests") or 0 for d in map(json.loads, open(sys.argv[1])) if "create" in d["label"]))' "$work/wharf.jsonl")
printf '%-40s %10s %9s %9s\n' "RSS after everything, >=$cms ConfigMaps" "$after" "" "506*"
[ "$anchor" = 1 ] || echo "* reference (earlier run): Kubernetes 1.20.2 anchor (kube-apiserver + etcd 3.4) from anchors/k8s-1.20-notes.md §4 / issue 5, not measured in this run; GET http/1.1 and LIST http/1.1 there were wrk with a bearer token; cold start there is the apiserver's /readyz in a cold cluster start; its RSS 506 MB was with ~10k ConfigMaps"
echo "# raw:"; cat "$work/wharf.jsonl"; [ "$anchor" = 1 ] && cat "$work/anchor.jsonl" || true
