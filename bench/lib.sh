# Shared by the bench/*.sh scripts (sourced after scripts/lib.sh): ports, processes, memory, the busybox image,
# a private dockerd for same-run comparisons, and hyperfine medians. Each script sets $work (its temp dir) first.

BENCH_CP="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/target/wharf-bench.jar:$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/target/lib/*"
need_bench_jar() {
  [ -f "${BENCH_CP%%:*}" ] || { echo "build first: (cd $WHARF_HOME && mvn -q -DskipTests install)" >&2; exit 1; }
}
# the load generators (io.wharf.bench.*) in their own JVM
bench_java() { java --enable-native-access=ALL-UNNAMED -cp "$BENCH_CP" "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
# stop_pid PID: TERM, wait up to 30 s, then KILL; only processes this script started
stop_pid() {
  [ -n "${1:-}" ] || return 0
  kill "$1" 2>/dev/null || return 0
  for i in $(seq 1 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null || true
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
# RSS of every process whose command line names this run's temp dir: a daemon and its helpers (conmon, shims,
# containerd), not the containers' own processes
helpers_mb() {
  python3 - "$work" <<'PY'
import os, sys
work, total = sys.argv[1], 0
for p in filter(str.isdigit, os.listdir('/proc')):
    try:
        if work not in open(f'/proc/{p}/cmdline', 'rb').read().decode(errors='replace'):
            continue
        total += next(int(l.split()[1]) for l in open(f'/proc/{p}/status') if l.startswith('VmRSS:'))
    except (OSError, StopIteration):
        pass
print(round(total / 1024))
PY
}

# busybox_tar FILE: a rootfs tar of /bin/busybox and its applets (what the anchors import as anchor-busybox)
busybox_tar() {
  local R=$work/rootfs
  mkdir -p "$R"/{bin,etc,proc,sys,dev,tmp,root}
  cp /bin/busybox "$R/bin/busybox"; for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
  tar -C "$R" -cf "$1" .; rm -rf "$R"
}

# unreachable_route CIDR: packets to a range we use never leave through the default route once our bridges are gone
# (no `| grep -q` under pipefail: grep's early exit would fail the pipe with SIGPIPE)
unreachable_route() { [[ $'\n'"$(ip route show table main)" == *$'\n'"unreachable $1 "* ]] || ip route add unreachable "$1" metric 4000; }

# wait_docker "CLI" PID LOG: until the daemon answers
wait_docker() {
  for i in $(seq 1 300); do $1 version >/dev/null 2>&1 && return 0; kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
  echo "daemon not serving; log:" >&2; tail -20 "$3" >&2; exit 1
}

# A private dockerd (Debian docker.io 20.10): temp data and exec roots, own socket, docker0 on BIP; it starts its own
# containerd and stops it on exit. Sets dpid. Its iptables rules outlive it: dockerd_cleanup deletes exactly the
# rules that name its chains or docker0, then its chains, and restores the FORWARD policy.
start_dockerd() { # socket bip
  _docker0_existed=$(ip link show docker0 >/dev/null 2>&1 && echo 1 || echo 0)
  _fwd_policy=$(iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" {print $3}')
  dockerd --host "unix://$1" --data-root "$work/droot" --exec-root "$work/dexec" --pidfile "$work/dockerd.pid" \
    --bip "$2" >"$work/dockerd.log" 2>&1 &
  dpid=$!
}
dockerd_cleanup() {
  [ -n "${_fwd_policy+x}" ] || return 0
  for t in filter nat; do
    iptables -t $t -S 2>/dev/null | grep -E '^-A ' | grep -E 'DOCKER|docker0' | grep -vE '^-A DOCKER' | sed 's/^-A /-D /' \
      | while read -r rule; do eval iptables -t $t "$rule" 2>/dev/null || true; done
    for ch in $(iptables -t $t -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t $t -F "$ch" 2>/dev/null || true; iptables -t $t -X "$ch" 2>/dev/null || true
    done
  done
  [ -n "$_fwd_policy" ] && iptables -P FORWARD "$_fwd_policy" 2>/dev/null || true
  [ "$_docker0_existed" = 1 ] || ip link del docker0 2>/dev/null || true
}
# wharf_bridge_cleanup BRIDGE CIDR: the Wharf engine keeps its chains for the next start; delete our bridge's rules
wharf_bridge_cleanup() {
  for t in filter nat; do
    iptables -t $t -S 2>/dev/null | grep -E '^-A ' | grep -E "$1|${2//./\\.}" | sed 's/^-A /-D /' \
      | while read -r rule; do eval iptables -t $t "$rule" 2>/dev/null || true; done
  done
  ip link del "$1" 2>/dev/null || true
}
umount_work() { grep -o " $work/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true; }
# remove_work: daemonized helpers (containerd shims, conmon) may still write under $work for a moment after their daemon
remove_work() { rm -rf "$work"; sleep 1; rm -rf "$work"; }

# hf_median NAME RUNS WARMUP COMMAND: hyperfine's median in ms. A run that fails or hangs (killed after CMD_TIMEOUT s:
# the docker CLI waits forever if a daemon never answers) stays in the sample, so one bad run moves the median
# little; failed runs are counted in $work/failures, which the scripts print at the end.
CMD_TIMEOUT=${CMD_TIMEOUT:-30}
hf_median() {
  local name=$1 runs=$2 warm=$3; shift 3
  if hyperfine --style none -N -i --runs "$runs" --warmup "$warm" --export-json "$work/$name.json" \
       "timeout -k 5 $CMD_TIMEOUT $*" >"$work/$name.out" 2>&1; then
    python3 - "$work/$name.json" "$name" <<'PY' 2>>"$work/failures"
import json, sys
r = json.load(open(sys.argv[1]))['results'][0]
bad = sum(1 for c in (r.get('exit_codes') or []) if c)
if bad:
    print(f"{sys.argv[2]}: {bad} of {len(r['times'])} runs failed or timed out", file=sys.stderr)
print('%.1f' % (r['median'] * 1000))
PY
  else
    echo "$name: $(grep -iE 'error|failed' "$work/$name.out" | head -3 | tr '\n' ' ')" >>"$work/failures"; echo -
  fi
  # say why once: run a failing command again and keep the end of its stderr
  if grep -q "^$name:" "$work/failures" 2>/dev/null; then
    echo "  $name, once more: $(timeout -k 5 "$CMD_TIMEOUT" $* 2>&1 >/dev/null | tail -2 | tr '\n' ' ')" >>"$work/failures"
  fi
}
print_failures() { [ -s "$work/failures" ] && sed 's/^/# FAILED: /' "$work/failures" || true; }
ratio() { { [ "$1" = - ] || [ "$2" = - ]; } && echo "-" || python3 -c "print('%.2f' % ($1/$2))"; }
