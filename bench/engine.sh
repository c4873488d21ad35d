#!/usr/bin/env bash
# Engine speed, Wharf vs dockerd (issue 2, "Speed"): median of RUNS runs through the same docker CLI each.
# Starts its own Wharf engine (temp root, own socket, bridge wharfbench0 on 10.233.0.0/24), measures it, stops it, then
# its own dockerd 20.10 from Debian's docker.io (temp roots, own socket, docker0 on 10.233.2.0/24, its own containerd),
# so each daemon runs alone. Prints one line per figure and the ratio Wharf/dockerd.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"; source "$HERE/lib.sh"
need_root; use_java25
RUNS=${RUNS:-20}; IDLE=${IDLE:-100}
command -v hyperfine >/dev/null || apt_install hyperfine
command -v dockerd >/dev/null || apt_install docker.io   # apt_install keeps maintainer scripts from starting it
DOCKER=${DOCKER:-$(command -v docker)}                   # one CLI for both daemons (28 here; it speaks 1.41 to dockerd 20.10)
work=$(mktemp -d /var/tmp/wharf-bench.XXXXXX)
sock=$work/docker.sock dsock=$work/dockerd.sock
W="$DOCKER -H unix://$sock"
D="$DOCKER -H unix://$dsock"
unreachable_route 10.233.0.0/24; unreachable_route 10.233.2.0/24
wpid="" dpid=""
cleanup() {
  [ -n "$wpid" ] && { $W ps -aq 2>/dev/null | xargs -r $W rm -f >/dev/null 2>&1 || true; }
  [ -n "$dpid" ] && { $D ps -aq 2>/dev/null | xargs -r $D rm -f >/dev/null 2>&1 || true; }
  stop_pid "$wpid"; stop_pid "$dpid"
  dockerd_cleanup; wharf_bridge_cleanup wharfbench0 10.233.0.0/24
  umount_work; remove_work
}
trap cleanup EXIT
busybox_tar "$work/busybox.tar"
start_idle() { for i in $(seq 1 "$2"); do $1 run -d --network none bench-busybox sleep 3600 >/dev/null; done; }
n=$((IDLE + 1))

"$TOP/bin/wharf" engine --root "$work/root" --run-dir "$work/run" --socket "$sock" \
  --bridge wharfbench0 --bridge-subnet 10.233.0.0/24 >"$work/engine.log" 2>&1 &
wpid=$!
wait_docker "$W" "$wpid" "$work/engine.log"
$W import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS, CLI $($W version -f '{{.Client.Version}}' 2>/dev/null || echo ?)"
sleep 2; idle=$(rss_mb $wpid)
w_run=$(hf_median w-run "$RUNS" 3 "$W run --rm bench-busybox true")
w_nonet=$(hf_median w-nonet "$RUNS" 3 "$W run --rm --network none bench-busybox true")
$W run -d --name bench-exec bench-busybox sleep 3600 >/dev/null
w_exec=$(hf_median w-exec "$RUNS" 3 "$W exec bench-exec true")
start_idle "$W" "$IDLE"
w_ps=$(hf_median w-ps "$RUNS" 3 "$W ps")
sleep 2; busy=$(rss_mb $wpid); w_all=$(helpers_mb)
$W ps -aq | xargs -r $W rm -f >/dev/null 2>&1 || true
stop_pid "$wpid"; wpid=""

d_run=- d_nonet=- d_exec=- d_ps=- d_idle=- d_busy=- d_all=-
if command -v dockerd >/dev/null; then
  start_dockerd "$dsock" 10.233.2.1/24
  wait_docker "$D" "$dpid" "$work/dockerd.log"
  $D import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null
  sleep 2; d_idle=$(helpers_mb)
  d_run=$(hf_median d-run "$RUNS" 3 "$D run --rm bench-busybox true")
  d_nonet=$(hf_median d-nonet "$RUNS" 3 "$D run --rm --network none bench-busybox true")
  $D run -d --name bench-exec bench-busybox sleep 3600 >/dev/null
  d_exec=$(hf_median d-exec "$RUNS" 3 "$D exec bench-exec true")
  start_idle "$D" "$IDLE"
  d_ps=$(hf_median d-ps "$RUNS" 3 "$D ps")
  sleep 2; d_busy=$(rss_mb "$dpid"); d_all=$(helpers_mb)
fi
printf '%-44s %10s %10s %8s\n' figure wharf dockerd ratio
printf '%-44s %10s %10s %8s\n' "run --rm true (ms, median)" "$w_run" "$d_run" "$(ratio $w_run $d_run)"
printf '%-44s %10s %10s %8s\n' "run --rm --network none true (ms)" "$w_nonet" "$d_nonet" "$(ratio $w_nonet $d_nonet)"
printf '%-44s %10s %10s %8s\n' "exec true (ms)" "$w_exec" "$d_exec" "$(ratio $w_exec $d_exec)"
printf '%-44s %10s %10s %8s\n' "ps with $n containers (ms)" "$w_ps" "$d_ps" "$(ratio $w_ps $d_ps)"
printf '%-44s %10s %10s %8s\n' "engine RSS idle (MB; dockerd: +containerd)" "$idle" "$d_idle" "$(ratio $idle $d_idle)"
printf '%-44s %10s %10s %8s\n' "engine process RSS, $n containers (MB)" "$busy" "$d_busy" "$(ratio $busy $d_busy)"
printf '%-44s %10s %10s %8s\n' "  + monitors/shims/containerd, $n (MB)" "$w_all" "$d_all" "$(ratio $w_all $d_all)"
print_failures
