#!/usr/bin/env bash
# Registry speed, Wharf vs Debian's docker-registry (distribution 2.8) (issue 3, "Speed"), both started here on their
# own loopback ports and temp storage, measured interleaved in the same run:
#   - skopeo push / pull of an OCI layout image (busybox rootfs + SIZE_MIB=100 MiB from /dev/urandom, one gzip layer),
#     median of RUNS runs, in MiB/s; storage wiped and the registry restarted before every push (so the whole layer
#     goes up each time) and then warmed by a 1 MiB push to another repository; the pull target removed before every pull;
#   - 1,000 manifest GETs by tag from 32 concurrent connections (io.wharf.bench.RegistryBench): p50/p99, median of
#     GET_RUNS runs;
#   - registry RSS: idle 1 s after it answers (alone), again ~5 s after start, and after the runs;
#   - ENGINES=1 (default): `docker pull` of the image (including unpacking) from the distribution registry through
#     Wharf's engine and then through dockerd 20.10 (each started here, alone, temp roots), image removed before each
#     of RUNS pulls (plus one warm-up pull).
# Prints one line per figure and the ratio Wharf/reference.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"; source "$HERE/lib.sh"
need_root; use_java25
RUNS=${RUNS:-5}; GET_RUNS=${GET_RUNS:-3}; SIZE_MIB=${SIZE_MIB:-100}; ENGINES=${ENGINES:-1}
command -v umoci >/dev/null || apt_install umoci
command -v docker-registry >/dev/null || apt_install docker-registry
need_bench_jar
work=$(mktemp -d /var/tmp/wharf-bench-registry.XXXXXX)
wport=$(free_port); dport=$(free_port)
wpid="" dpid="" epid="" dockerd_pid=""
DOCKER=${DOCKER:-$(command -v docker)}
esock=$work/engine.sock dsock=$work/dockerd.sock
cleanup() {
  stop_pid "$wpid"; stop_pid "$dpid"; stop_pid "$epid"; stop_pid "$dockerd_pid"
  dockerd_cleanup; wharf_bridge_cleanup wharfbench2 10.233.4.0/24
  umount_work; remove_work
}
trap cleanup EXIT

wait_v2() { # port pid name
  for i in $(seq 1 300); do
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/v2/" 2>/dev/null | grep -E '200|401' >/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 exited; log:" >&2; tail -20 "$work/$3.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "$3 not serving after 15 s" >&2; tail -20 "$work/$3.log" >&2; exit 1
}
start_wharf() {
  "$TOP/bin/wharf" registry --root "$work/wroot" --run-dir "$work/wrun" --addr "127.0.0.1:$wport" >"$work/wharf.log" 2>&1 &
  wpid=$!; wait_v2 "$wport" "$wpid" wharf
}
start_dist() {
  cat > "$work/dist.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $work/droot}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$dport}
EOF
  docker-registry serve "$work/dist.yml" >"$work/dist.log" 2>&1 &
  dpid=$!; wait_v2 "$dport" "$dpid" dist
}
# fresh storage, fresh process: no blob survives from the previous push, in the registry or in its caches
reset_wharf() { stop_pid "$wpid"; wpid=""; rm -rf "$work/wroot"; start_wharf; }
reset_dist() { stop_pid "$dpid"; dpid=""; rm -rf "$work/droot"; start_dist; }
median() { python3 -c 'import statistics,sys; print("%.3f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# ---- the image: an OCI layout made with umoci (busybox rootfs + 100 MiB of random bytes, one gzip layer) ----
t0=$(now)
R=$work/bundle/rootfs L=$work/img
umoci init --layout "$L"; umoci new --image "$L:rand100"
umoci unpack --image "$L:rand100" "$work/bundle" >/dev/null
mkdir -p "$R"/{bin,etc,tmp,root}
cp /bin/busybox "$R/bin/busybox"; for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$R/random.bin"
umoci config --image "$L:rand100" --config.cmd /bin/sh
umoci repack --image "$L:rand100" "$work/bundle"; rm -rf "$work/bundle"
# a 1 MiB image pushed to another repository right before each timed push: the process is fresh (storage reset), and
# a JIT-compiled server should not be timed on its first request of each kind, nor Go's on its first connection
umoci new --image "$L:warm"; umoci unpack --image "$L:warm" "$work/bundle" >/dev/null
head -c 1048576 /dev/urandom > "$R/warm.bin"; umoci repack --image "$L:warm" "$work/bundle"; rm -rf "$work/bundle"
# bytes of the big image: its manifest's layers + config (the warm-up image shares none of them)
bytes=$(python3 - "$L" <<'PY'
import json, sys
L = sys.argv[1]
blob = lambda d: open(f"{L}/blobs/{d.replace(':', '/')}", 'rb').read()
m = next(x for x in json.load(open(f"{L}/index.json"))["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "rand100")
man = json.loads(blob(m["digest"]))
print(m["size"] + man["config"]["size"] + sum(l["size"] for l in man["layers"]))
PY
)
mib=$(python3 -c "print('%.1f' % ($bytes/1048576))")

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS GET_RUNS=$GET_RUNS, image $mib MiB (umoci $(python3 -c "print('%.1f' % ($(now)-$t0))") s)"
start_wharf; sleep 1; w_idle=$(rss_mb "$wpid")
start_dist; sleep 1; d_idle=$(rss_mb "$dpid")
# and once the start-up is really over: a JVM is still compiling its start-up code 1 s after it answers, and its
# compiler arenas go back to the OS only after that (bin/wharf runs the registry with -XX:TrimNativeHeapInterval)
sleep 3; w_idle5=$(rss_mb "$wpid"); d_idle5=$(rss_mb "$dpid")

SK="skopeo copy -q --dest-tls-verify=false --src-tls-verify=false"
w_push=() d_push=() w_pull=() d_pull=()
for i in $(seq 1 "$RUNS"); do
  for sys in wharf dist; do
    port=$([ $sys = wharf ] && echo "$wport" || echo "$dport")
    reset_$sys
    # skopeo remembers where it saw blobs; an entry would make it try a cross-repo mount instead of uploading
    rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
    $SK "oci:$L:warm" "docker://127.0.0.1:$port/bench/warm:latest"
    t=$(now); $SK "oci:$L:rand100" "docker://127.0.0.1:$port/bench/rand100:latest"; t=$(python3 -c "print($(now)-$t)")
    [ $sys = wharf ] && w_push+=("$t") || d_push+=("$t")
  done
done
for i in $(seq 0 "$RUNS"); do   # run 0 is the warm-up
  for sys in wharf dist; do
    port=$([ $sys = wharf ] && echo "$wport" || echo "$dport")
    rm -rf "$work/pull"
    t=$(now); $SK "docker://127.0.0.1:$port/bench/rand100:latest" "oci:$work/pull:rand100"; t=$(python3 -c "print($(now)-$t)")
    [ "$i" = 0 ] && continue
    [ $sys = wharf ] && w_pull+=("$t") || d_pull+=("$t")
  done
done
rm -rf "$work/pull"
getjson() { # label port -> JSON lines, one per run
  for i in $(seq 1 "$GET_RUNS"); do
    bench_java io.wharf.bench.RegistryBench --url "http://127.0.0.1:$2" --repo bench/rand100 --tag latest \
      --n 1000 --c 32 --label "$1"
  done
}
getjson wharf "$wport" > "$work/w-get.jsonl"; getjson dist "$dport" > "$work/d-get.jsonl"
w_busy=$(rss_mb "$wpid"); d_busy=$(rss_mb "$dpid")
stop_pid "$wpid"; wpid=""   # the engines pull from the distribution registry: only the engine differs

# engine_pulls "CLI" -> seconds of each timed pull (the image removed before each; the first pull is a warm-up)
engine_pulls() {
  local ref=127.0.0.1:$dport/bench/rand100:latest t out=()
  for i in $(seq 0 "$RUNS"); do
    $1 rmi -f "$ref" >/dev/null 2>&1 || true
    t=$(now); timeout -k 5 120 $1 pull -q "$ref" >/dev/null 2>>"$work/pull-errors" || echo "pull failed: $1" >>"$work/pull-errors"
    t=$(python3 -c "print($(now)-$t)")
    [ "$i" = 0 ] || out+=("$t")
  done
  echo "${out[*]}"
}
e_pull=() k_pull=()
if [ "$ENGINES" = 1 ]; then
  unreachable_route 10.233.4.0/24; unreachable_route 10.233.5.0/24
  "$TOP/bin/wharf" engine --root "$work/eroot" --run-dir "$work/erun" --socket "$esock" \
    --bridge wharfbench2 --bridge-subnet 10.233.4.0/24 >"$work/engine.log" 2>&1 &
  epid=$!
  wait_docker "$DOCKER -H unix://$esock" "$epid" "$work/engine.log"
  read -r -a e_pull <<<"$(engine_pulls "$DOCKER -H unix://$esock")"
  stop_pid "$epid"; epid=""
  if command -v dockerd >/dev/null; then
    # start_dockerd sets dpid, which names the distribution registry in this script: keep them apart
    reg_pid=$dpid; start_dockerd "$dsock" 10.233.5.1/24; dockerd_pid=$dpid; dpid=$reg_pid
    wait_docker "$DOCKER -H unix://$dsock" "$dockerd_pid" "$work/dockerd.log"
    read -r -a k_pull <<<"$(engine_pulls "$DOCKER -H unix://$dsock")"
    stop_pid "$dockerd_pid"; dockerd_pid=""
  fi
fi

pick() { python3 -c 'import json,statistics,sys; print("%.2f" % statistics.median(json.loads(l)[sys.argv[2]] for l in open(sys.argv[1])))' "$@"; }
errs() { python3 -c 'import json,sys; print(sum(json.loads(l)["errors"] for l in open(sys.argv[1])))' "$1"; }
mibs() { python3 -c "print('%.0f' % ($bytes/1048576/$1))"; }
ms() { [ "$1" = - ] && echo - || python3 -c "print('%.0f' % ($1*1000))"; }
wpu=$(median "${w_push[@]}"); dpu=$(median "${d_push[@]}"); wpl=$(median "${w_pull[@]}"); dpl=$(median "${d_pull[@]}")
printf '%-44s %10s %10s %8s\n' figure wharf dist-2.8 ratio
printf '%-44s %10s %10s %8s\n' "skopeo push $mib MiB (ms, median)" "$(python3 -c "print('%.0f' % ($wpu*1000))")" "$(python3 -c "print('%.0f' % ($dpu*1000))")" "$(ratio "$wpu" "$dpu")"
printf '%-44s %10s %10s %8s\n' "  push throughput (MiB/s, higher is better)" "$(mibs "$wpu")" "$(mibs "$dpu")" "$(ratio "$(mibs "$wpu")" "$(mibs "$dpu")")"
printf '%-44s %10s %10s %8s\n' "skopeo pull to oci: (ms, median)" "$(python3 -c "print('%.0f' % ($wpl*1000))")" "$(python3 -c "print('%.0f' % ($dpl*1000))")" "$(ratio "$wpl" "$dpl")"
printf '%-44s %10s %10s %8s\n' "  pull throughput (MiB/s, higher is better)" "$(mibs "$wpl")" "$(mibs "$dpl")" "$(ratio "$(mibs "$wpl")" "$(mibs "$dpl")")"
for f in p50_ms p99_ms rps; do
  printf '%-44s %10s %10s %8s\n' "1000 manifest GETs, 32 conc: $f" "$(pick "$work/w-get.jsonl" $f)" "$(pick "$work/d-get.jsonl" $f)" "$(ratio "$(pick "$work/w-get.jsonl" $f)" "$(pick "$work/d-get.jsonl" $f)")"
done
printf '%-44s %10s %10s\n' "  GET errors (all runs)" "$(errs "$work/w-get.jsonl")" "$(errs "$work/d-get.jsonl")"
printf '%-44s %10s %10s %8s\n' "registry RSS idle, fresh start (MB)" "$w_idle" "$d_idle" "$(ratio "$w_idle" "$d_idle")"
printf '%-44s %10s %10s %8s\n' "registry RSS idle, ~5 s after start (MB)" "$w_idle5" "$d_idle5" "$(ratio "$w_idle5" "$d_idle5")"
printf '%-44s %10s %10s %8s\n' "registry RSS after the runs (MB)" "$w_busy" "$d_busy" "$(ratio "$w_busy" "$d_busy")"
if [ "$ENGINES" = 1 ]; then
  ep=$([ ${#e_pull[@]} -gt 0 ] && median "${e_pull[@]}" || echo -); kp=$([ ${#k_pull[@]} -gt 0 ] && median "${k_pull[@]}" || echo -)
  printf '%-44s %10s %10s %8s\n' "docker pull incl. unpack (ms; engine)" "$(ms "$ep")" "$(ms "$kp")" "$(ratio "$ep" "$kp")"
  printf '%-44s %10s %10s\n' "  (columns: Wharf engine | dockerd 20.10)" "" ""
  [ -s "$work/pull-errors" ] && sed 's/^/# pull: /' "$work/pull-errors" | sort | uniq -c | head -5 || true
fi
echo "# runs (s): engine pull ${e_pull[*]:-}; dockerd pull ${k_pull[*]:-}"
echo "# runs (s): wharf push ${w_push[*]}; dist push ${d_push[*]}; wharf pull ${w_pull[*]}; dist pull ${d_pull[*]}"
