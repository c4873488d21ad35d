#!/usr/bin/env bash
# Engine speed, Wharf vs dockerd (issue 2, "Speed"): median of RUNS runs through the same docker CLI each.
# Starts its own Wharf engine (temp root, own socket, bridge wharfbench0 on 10.233.0.0/24) and, when Debian's docker.io
# is installed, its own dockerd 20.10 (temp data/exec roots, own socket, docker0 on 10.233.2.0/24; it starts its own
# containerd), both stopped by PID at the end. Prints one line per figure and the ratio Wharf/dockerd.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"
need_root; use_java25
RUNS=${RUNS:-20}; IDLE=${IDLE:-100}
command -v hyperfine >/dev/null || apt_install hyperfine
command -v dockerd >/dev/null || apt_install docker.io   # lib.sh's apt_install blocks service start (policy-rc.d)
DOCKER=${DOCKER:-$(command -v docker)}                   # one CLI for both daemons (28 here; it negotiates 1.41 with dockerd 20.10)
work=$(mktemp -d /var/tmp/wharf-bench.XXXXXX)
sock=$work/docker.sock dsock=$work/dockerd.sock
W="$DOCKER -H unix://$sock"
D="$DOCKER -H unix://$dsock"
for net in 10.233.0.0/24 10.233.2.0/24; do   # never let these ranges leave through the default route
  ip route show table main | grep -q "^unreachable $net " || ip route add unreachable "$net" metric 4000
done
wpid="" dpid=""
docker0_existed=$(ip link show docker0 >/dev/null 2>&1 && echo 1 || echo 0)
fwd_policy=$(iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" {print $3}')
# dockerd's iptables rules outlive it: delete exactly the rules that name its chains or docker0, then its chains
dockerd_iptables_cleanup() {
  for t in filter nat; do
    iptables -t $t -S 2>/dev/null | grep -E '^-A ' | grep -E 'DOCKER|docker0' | grep -vE '^-A DOCKER' | sed 's/^-A /-D /' \
      | while read -r rule; do eval iptables -t $t "$rule" 2>/dev/null || true; done
    for ch in $(iptables -t $t -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t $t -F "$ch" 2>/dev/null || true; iptables -t $t -X "$ch" 2>/dev/null || true
    done
  done
  [ -n "$fwd_policy" ] && iptables -P FORWARD "$fwd_policy" 2>/dev/null || true
  [ "$docker0_existed" = 1 ] || ip link del docker0 2>/dev/null || true
}
# and so do the Wharf engine's rules for its bridge (it keeps its chains for the next start): delete the ones of ours
wharf_iptables_cleanup() {
  for t in filter nat; do
    iptables -t $t -S 2>/dev/null | grep -E '^-A ' | grep -E 'wharfbench0|10\.233\.0\.0/24' | sed 's/^-A /-D /' \
      | while read -r rule; do eval iptables -t $t "$rule" 2>/dev/null || true; done
  done
}
stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && { for i in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done; wait "$1" 2>/dev/null; } || true; }
cleanup() {
  if [ -n "$wpid" ]; then $W ps -aq 2>/dev/null | xargs -r $W rm -f >/dev/null 2>&1 || true; fi
  if [ -n "$dpid" ]; then $D ps -aq 2>/dev/null | xargs -r $D rm -f >/dev/null 2>&1 || true; fi
  stop_pid "$wpid"; stop_pid "$dpid"
  [ -n "$dpid" ] && dockerd_iptables_cleanup
  wharf_iptables_cleanup; ip link del wharfbench0 2>/dev/null || true
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# busybox rootfs image, the same tar for both daemons
R=$work/rootfs; mkdir -p "$R"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$R/bin/busybox"; for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
tar -C "$R" -cf "$work/busybox.tar" .

wait_api() { # cli pid log
  for i in $(seq 1 300); do $1 version >/dev/null 2>&1 && return 0; kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
  echo "daemon not serving; log:" >&2; tail -20 "$3" >&2; exit 1
}
"$TOP/bin/wharf" engine --root "$work/root" --run-dir "$work/run" --socket "$sock" \
  --bridge wharfbench0 --bridge-subnet 10.233.0.0/24 >"$work/engine.log" 2>&1 &
wpid=$!
wait_api "$W" "$wpid" "$work/engine.log"
$W import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null

median() { # name, command...
  local name=$1; shift
  if hyperfine --style none -N --runs "$RUNS" --warmup 3 --export-json "$work/$name.json" "$*" >"$work/$name.out" 2>&1; then
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.1f' % (r['median']*1000))" "$work/$name.json"
  else
    echo "$name failed: $(grep -iE 'error|failed' "$work/$name.out" | head -3 | tr '\n' ' ')" >&2; echo -
  fi
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
# every process whose command line names this run's temp dir (daemon, conmon/shims, containerd), not the containers'
# own processes: the memory the engine costs
helpers_mb() {
  python3 - "$work" "$1" <<'PY'
import os, sys
work, which, total = sys.argv[1], sys.argv[2], 0
for p in filter(str.isdigit, os.listdir('/proc')):
    try:
        cmd = open(f'/proc/{p}/cmdline', 'rb').read().replace(b'\0', b' ').decode(errors='replace')
        if work not in cmd or which not in cmd:
            continue
        for l in open(f'/proc/{p}/status'):
            if l.startswith('VmRSS:'):
                total += int(l.split()[1])
    except OSError:
        pass
print(round(total / 1024))
PY
}
start_idle() { # cli count
  for i in $(seq 1 "$2"); do $1 run -d --network none bench-busybox sleep 3600 >/dev/null; done
}

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS, CLI $($W version -f '{{.Client.Version}}' 2>/dev/null || echo ?)"
sleep 2; idle=$(rss_mb "$wpid")
w_run=$(median w-run "$W run --rm bench-busybox true")
w_nonet=$(median w-nonet "$W run --rm --network none bench-busybox true")
$W run -d --name bench-exec bench-busybox sleep 3600 >/dev/null
w_exec=$(median w-exec "$W exec bench-exec true")
start_idle "$W" "$IDLE"
w_ps=$(median w-ps "$W ps")
sleep 2; busy=$(rss_mb "$wpid"); w_all=$(helpers_mb "")
$W ps -aq | xargs -r $W rm -f >/dev/null 2>&1 || true
stop_pid "$wpid"; wpid=""   # dockerd runs alone

d_run=- d_nonet=- d_exec=- d_ps=- d_idle=- d_busy=- d_all=-
if command -v dockerd >/dev/null; then
  dockerd --host "unix://$dsock" --data-root "$work/droot" --exec-root "$work/dexec" --pidfile "$work/dockerd.pid" \
    --bip 10.233.2.1/24 >"$work/dockerd.log" 2>&1 &
  dpid=$!
  wait_api "$D" "$dpid" "$work/dockerd.log"
  $D import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null
  sleep 2; d_idle=$(helpers_mb "")
  d_run=$(median d-run "$D run --rm bench-busybox true")
  d_nonet=$(median d-nonet "$D run --rm --network none bench-busybox true")
  $D run -d --name bench-exec bench-busybox sleep 3600 >/dev/null
  d_exec=$(median d-exec "$D exec bench-exec true")
  start_idle "$D" "$IDLE"
  d_ps=$(median d-ps "$D ps")
  sleep 2; d_busy=$(rss_mb "$dpid"); d_all=$(helpers_mb "")
fi
n=$((IDLE + 1))
ratio() { [ "$1" = - ] || [ "$2" = - ] && echo "-" || python3 -c "print('%.2f' % ($1/$2))"; }
printf '%-44s %10s %10s %8s\n' figure wharf dockerd ratio
printf '%-44s %10s %10s %8s\n' "run --rm true (ms, median)" "$w_run" "$d_run" "$(ratio $w_run $d_run)"
printf '%-44s %10s %10s %8s\n' "run --rm --network none true (ms)" "$w_nonet" "$d_nonet" "$(ratio $w_nonet $d_nonet)"
printf '%-44s %10s %10s %8s\n' "exec true (ms)" "$w_exec" "$d_exec" "$(ratio $w_exec $d_exec)"
printf '%-44s %10s %10s %8s\n' "ps with $n containers (ms)" "$w_ps" "$d_ps" "$(ratio $w_ps $d_ps)"
printf '%-44s %10s %10s %8s\n' "engine RSS idle (MB; dockerd: +containerd)" "$idle" "$d_idle" "$(ratio $idle $d_idle)"
printf '%-44s %10s %10s %8s\n' "engine process RSS, $n containers (MB)" "$busy" "$d_busy" "$(ratio $busy $d_busy)"
printf '%-44s %10s %10s %8s\n' "  + monitors/shims/containerd, $n (MB)" "$w_all" "$d_all" "$(ratio $w_all $d_all)"
