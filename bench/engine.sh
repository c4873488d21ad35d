#!/usr/bin/env bash
# Engine speed, Wharf vs dockerd (issue 2, "Speed"): median of RUNS runs through the real docker CLI each.
# Starts its own Wharf engine (temp root, own socket) and, when the anchors are installed, dockerd from
# ../../shared/anchors. Prints one line per figure and the ratio Wharf/dockerd.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"
need_root; use_java25
RUNS=${RUNS:-20}
command -v hyperfine >/dev/null || apt_install hyperfine
ANCH=$TOP/../shared/anchors
work=$(mktemp -d /var/tmp/wharf-bench.XXXXXX)
sock=$work/docker.sock
W="docker -H unix://$sock"
cleanup() {
  $W ps -aq 2>/dev/null | xargs -r $W rm -f >/dev/null 2>&1 || true
  [ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null || true
  umount -R "$work"/root/* 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# busybox rootfs image, as the anchors make it
R=$work/rootfs; mkdir -p "$R"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$R/bin/busybox"; for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
tar -C "$R" -cf "$work/busybox.tar" .

"$TOP/bin/wharf" engine --root "$work/root" --run-dir "$work/run" --socket "$sock" \
  --bridge wharfbench0 --bridge-subnet 10.233.0.0/24 >"$work/engine.log" 2>&1 &
wpid=$!
for i in $(seq 1 200); do $W version >/dev/null 2>&1 && break; sleep 0.1; done
$W import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null

median() { # name, command...
  local name=$1; shift
  hyperfine --style none -N --runs "$RUNS" --warmup 3 --export-json "$work/$name.json" "$*" >/dev/null 2>&1
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.1f' % (r['median']*1000))" "$work/$name.json"
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS"
idle=$(rss_mb $wpid)
w_run=$(median w-run "$W run --rm bench-busybox true")
w_nonet=$(median w-nonet "$W run --rm --network none bench-busybox true")
$W run -d --name bench-exec bench-busybox sleep 3600 >/dev/null
w_exec=$(median w-exec "$W exec bench-exec true")
for i in $(seq 1 100); do $W run -d --network none bench-busybox sleep 3600 >/dev/null; done
w_ps=$(median w-ps "$W ps")
busy=$(rss_mb $wpid)

d_run=- d_nonet=- d_exec=- d_ps=-
if [ -x "$ANCH/start-dockerd.sh" ] && command -v dockerd >/dev/null; then
  "$ANCH/start-dockerd.sh" >/dev/null
  D=/usr/bin/docker
  d_run=$(median d-run "$D run --rm anchor-busybox true")
  d_nonet=$(median d-nonet "$D run --rm --network none anchor-busybox true")
  $D rm -f bench-exec >/dev/null 2>&1 || true; $D run -d --name bench-exec anchor-busybox sleep 3600 >/dev/null
  d_exec=$(median d-exec "$D exec bench-exec true")
  $D rm -f bench-exec >/dev/null
fi
ratio() { [ "$2" = - ] && echo "-" || python3 -c "print('%.2f' % ($1/$2))"; }
printf '%-36s %10s %10s %8s\n' figure wharf dockerd ratio
printf '%-36s %10s %10s %8s\n' "run --rm true (ms, median)" "$w_run" "$d_run" "$(ratio $w_run $d_run)"
printf '%-36s %10s %10s %8s\n' "run --rm --network none true (ms)" "$w_nonet" "$d_nonet" "$(ratio $w_nonet $d_nonet)"
printf '%-36s %10s %10s %8s\n' "exec true (ms)" "$w_exec" "$d_exec" "$(ratio $w_exec $d_exec)"
printf '%-36s %10s %10s %8s\n' "ps with 101 containers (ms)" "$w_ps" "$d_ps" "-"
printf '%-36s %10s\n' "engine RSS idle (MB)" "$idle"
printf '%-36s %10s\n' "engine RSS, 101 containers (MB)" "$busy"
