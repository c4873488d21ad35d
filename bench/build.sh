#!/usr/bin/env bash
# Build speed, Wharf vs dockerd (issue 4, "Speed"): the issue's 3-step Dockerfile (FROM busybox, COPY a file,
# RUN echo), uncached (--no-cache) and fully cached, median of RUNS runs through the real docker CLI each.
# Starts its own Wharf engine (temp root, own socket, bridge wharfbench1 on 10.233.1.0/24), measures it, stops it, then
# its own dockerd 20.10 (Debian docker.io; temp roots, docker0 on 10.233.3.0/24): the classic builder
# (DOCKER_BUILDKIT=0, same CLI) and BuildKit (DOCKER_BUILDKIT=1 through Debian's docker 20.10 CLI, /usr/bin/docker:
# the newer CLI needs the buildx plugin for BuildKit). Prints one line per figure.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
source "$TOP/scripts/lib.sh"; source "$HERE/lib.sh"
need_root; use_java25
RUNS=${RUNS:-10}
command -v hyperfine >/dev/null || apt_install hyperfine
command -v dockerd >/dev/null || apt_install docker.io
DOCKER=${DOCKER:-$(command -v docker)}
work=$(mktemp -d /var/tmp/wharf-bench-build.XXXXXX)
sock=$work/docker.sock dsock=$work/dockerd.sock
W="$DOCKER -H unix://$sock"
D="$DOCKER -H unix://$dsock"
unreachable_route 10.233.1.0/24; unreachable_route 10.233.3.0/24
wpid="" dpid=""
cleanup() {
  stop_pid "$wpid"; stop_pid "$dpid"
  dockerd_cleanup; wharf_bridge_cleanup wharfbench1 10.233.1.0/24
  umount_work; remove_work
}
trap cleanup EXIT
busybox_tar "$work/busybox.tar"
ctx=$work/ctx; mkdir -p "$ctx"; echo hello > "$ctx/file.txt"
printf 'FROM bench-busybox\nCOPY file.txt /file.txt\nRUN echo built\n' > "$ctx/Dockerfile"

"$TOP/bin/wharf" engine --root "$work/root" --run-dir "$work/run" --socket "$sock" \
  --bridge wharfbench1 --bridge-subnet 10.233.1.0/24 >"$work/engine.log" 2>&1 &
wpid=$!
wait_docker "$W" "$wpid" "$work/engine.log"
$W import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null

echo "# $(date -u +%FT%TZ) loadavg $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS"
export DOCKER_BUILDKIT=0
w_nc=$(hf_median w-nocache "$RUNS" 2 "$W build -q --no-cache $ctx")
w_c=$(hf_median w-cached "$RUNS" 2 "$W build -q $ctx")
stop_pid "$wpid"; wpid=""
d_nc=- d_c=- bk_nc=- bk_c=-
if command -v dockerd >/dev/null; then
  start_dockerd "$dsock" 10.233.3.1/24
  wait_docker "$D" "$dpid" "$work/dockerd.log"
  $D import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" bench-busybox:latest >/dev/null
  d_nc=$(hf_median d-nocache "$RUNS" 2 "$D build -q --no-cache $ctx")
  d_c=$(hf_median d-cached "$RUNS" 2 "$D build -q $ctx")
  if [ -x /usr/bin/docker ]; then
    B="/usr/bin/docker -H unix://$dsock"
    export DOCKER_BUILDKIT=1
    bk_nc=$(hf_median bk-nocache "$RUNS" 2 "$B build -q --no-cache $ctx")
    bk_c=$(hf_median bk-cached "$RUNS" 2 "$B build -q $ctx")
  fi
fi
printf 'build --no-cache (3 steps)   wharf %8s ms   dockerd classic %8s ms   BuildKit %8s ms   ratio/classic %s  ratio/BuildKit %s\n' \
  "$w_nc" "$d_nc" "$bk_nc" "$(ratio "$w_nc" "$d_nc")" "$(ratio "$w_nc" "$bk_nc")"
printf 'build, fully cached          wharf %8s ms   dockerd classic %8s ms   BuildKit %8s ms   ratio/classic %s  ratio/BuildKit %s\n' \
  "$w_c" "$d_c" "$bk_c" "$(ratio "$w_c" "$d_c")" "$(ratio "$w_c" "$bk_c")"
echo "# goals (issue 4): --no-cache <= BuildKit (anchor 253 ms); cached <= 0.5x classic (anchor 65 ms)"
print_failures
