#!/usr/bin/env bash
# Build speed, Wharf vs dockerd (issue 4, "Speed"): the issue's 3-step Dockerfile (FROM busybox, COPY a file,
# RUN echo), uncached (--no-cache) and fully cached, median of RUNS runs through the real docker CLI each.
# Starts its own Wharf engine (temp root, own socket, bridge wharfbench1 on 10.233.1.0/24) and, when the anchors
# are installed, dockerd from ../../shared/anchors (classic builder, DOCKER_BUILDKIT=0). Prints one line per figure.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"
need_root; use_java25
RUNS=${RUNS:-10}
command -v hyperfine >/dev/null || apt_install hyperfine
ANCH=$TOP/../shared/anchors
work=$(mktemp -d /var/tmp/wharf-bench-build.XXXXXX)
sock=$work/docker.sock
W="docker -H unix://$sock"
cleanup() {
  [ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null || true
  umount -R "$work"/root/* 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

R=$work/rootfs; mkdir -p "$R"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$R/bin/busybox"; for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
tar -C "$R" -cf "$work/busybox.tar" .

ctx=$work/ctx; mkdir -p "$ctx"; echo hello > "$ctx/file.txt"
printf 'FROM bench-busybox\nCOPY file.txt /file.txt\nRUN echo built\n' > "$ctx/Dockerfile"

"$TOP/bin/wharf" engine --root "$work/root" --run-dir "$work/run" --socket "$sock" \
  --bridge wharfbench1 --bridge-subnet 10.233.1.0/24 >"$work/engine.log" 2>&1 &
wpid=$!
for i in $(seq 1 200); do $W version >/dev/null 2>&1 && break; sleep 0.1; done
$W import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null

median() { # name, command...
  local name=$1; shift
  hyperfine --style none -N --runs "$RUNS" --warmup 2 --export-json "$work/$name.json" "$*" >/dev/null 2>&1
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.1f' % (r['median']*1000))" "$work/$name.json"
}

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS"
export DOCKER_BUILDKIT=0
w_nc=$(median w-nocache "$W build -q --no-cache $ctx")
w_c=$(median w-cached "$W build -q $ctx")
d_nc=- d_c=-
if [ -x "$ANCH/start-dockerd.sh" ] && command -v dockerd >/dev/null; then
  "$ANCH/start-dockerd.sh" >/dev/null
  D=/usr/bin/docker
  sed 's/bench-busybox/anchor-busybox/' "$ctx/Dockerfile" > "$work/Dockerfile.d"; cp "$work/Dockerfile.d" "$ctx/Dockerfile.d"
  d_nc=$(median d-nocache "$D build -q --no-cache -f $ctx/Dockerfile.d $ctx")
  d_c=$(median d-cached "$D build -q -f $ctx/Dockerfile.d $ctx")
fi
ratio() { [ "$2" = - ] && echo - || python3 -c "print('%.2f' % ($1/$2))"; }
printf 'build --no-cache (3 steps)   wharf %8s ms   dockerd classic %8s ms   ratio %s   (goal: <= BuildKit 253 ms)\n' "$w_nc" "$d_nc" "$(ratio "$w_nc" "$d_nc")"
printf 'build, fully cached          wharf %8s ms   dockerd classic %8s ms   ratio %s   (goal: <= 0.5x classic)\n' "$w_c" "$d_c" "$(ratio "$w_c" "$d_c")"
