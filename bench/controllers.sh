#!/usr/bin/env bash
# Controllers and scheduler speed (issue 6, "Speed"). Prints figures; asserts nothing. Two runs (three with "kube",
# below), each on its own temp
# root and free loopback port, everything started here stopped by PID and the temp dirs removed on exit. The
# processes are bin/wharf's command lines (same main class and JVM flags) on a copy of the built jars.
#  1. Scheduling throughput and controllers+scheduler RSS: `wharf server -Dwharf.controllers=none` (API server only),
#     `wharf sim-nodes --count $SCHED_NODES`, $SCHED_PODS bare pods created through the API while no scheduler runs
#     (so they are all pending, none failed), then Wharf's ControllerManager (all controllers + the scheduler) started
#     in a process of its own (io.wharf.bench.ControllersBench run-cm), which prints the rate from its first bind to
#     its last; once the simulator reports every pod Running, that process's RSS is the "controllers + scheduler
#     with N pods" figure (the API server's and the simulator's are printed apart). That process installs the API
#     server's HeapGovernor as `wharf server` does for the whole JVM the controllers share with it. The CPU seconds
#     each process used while the pods were scheduled are printed too: the three share the machine's 2 cores.
#  2. A Deployment of $REPLICAS replicas on $DEPLOY_NODES simulated nodes, with `wharf server` as shipped (API server,
#     controllers and scheduler in one process): seconds from `kubectl apply` to readyReplicas == $REPLICAS, after a
#     warm-up Deployment of a tenth of that (its time on the cold server is printed too).
#
# Sizes: SCHED_NODES=1000 SCHED_PODS=10000 DEPLOY_NODES=100 REPLICAS=1000 (the issue's); smaller ones for a quick
# look, e.g. SCHED_NODES=100 SCHED_PODS=1000 DEPLOY_NODES=20 REPLICAS=200 bench/controllers.sh. PHASES="sched deploy".
# CM_JAVA_OPTS: more JVM flags for the controller manager's process (e.g. -Xmx256m, to see the RSS under a cap).
# KEEP=1 keeps the logs (not the data) in the temp dir; HISTO=1 prints the controller manager's heap histogram.
# CONTROLLERS_JAR: another build of wharf-controllers to run instead of the tree's (a before/after comparison in the
# same conditions, e.g. one packaged from `git archive HEAD controllers`).
#  3. (PHASES="... kube", when $K8S_ANCHOR/bin/kube-scheduler exists: anchors/k8s-anchor-build.sh builds 1.20.2) the real
#     kube-scheduler on phase 1's workload: the same `wharf server -Dwharf.controllers=none`, simulated nodes and pending
#     pods, then kube-scheduler against that API server (admin kubeconfig, no leader election, no serving ports,
#     -v=2 so that it logs each bind with a timestamp). The rate is from its first to its last "Successfully bound"
#     line (binds answered, the stricter "seen bound by a watch" is Wharf's figure); its RSS with the pods is read as
#     for Wharf's. Its client is allowed KS_QPS requests/s (default 1000; the 1.20 default of 50 would cap it at
#     ~50 binds/s), and the PodDisruptionBudget gate is off (1.20 lists policy/v1beta1, which Wharf does not serve;
#     Wharf serves policy/v1). Its client talks JSON (KS_CONTENT_TYPE, default application/json, not client-go's
#     protobuf default): Wharf decodes protobuf Bindings but not events.k8s.io/v1 Events (415; the scheduler drops them).
#     The kube phase is not in the default PHASES: PHASES="sched kube deploy" runs all three.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); TOP=$(cd "$HERE/.." && pwd)
SCHED_NODES=${SCHED_NODES:-1000}; SCHED_PODS=${SCHED_PODS:-10000}
DEPLOY_NODES=${DEPLOY_NODES:-100}; REPLICAS=${REPLICAS:-1000}
PHASES=${PHASES:-"sched deploy"}; TIMEOUT=${TIMEOUT:-900}
for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do [ -n "$d" ] && [ -x "$d/bin/java" ] && { JAVA="$d/bin/java"; break; }; done
[ -n "${JAVA:-}" ] || { echo "no Java 25 (set JAVA_HOME)" >&2; exit 1; }
[ -f "$TOP/cli/target/wharf.jar" ] && [ -f "$TOP/cli/target/classpath.txt" ] || { echo "build first (mvn -DskipTests install)" >&2; exit 1; }
# bin/wharf's JVM flags, so that the controller manager's RSS is what it would be inside `wharf server` (its AOT cache
# is not used: it is trained on `wharf server`'s class path, not this one)
mapfile -t JOPTS < <("$TOP/bin/wharf" java-flags)
BENCH_SRC=$HERE/src/main/java/io/wharf/bench/ControllersBench.java

work=$(mktemp -d /var/tmp/wharf-bench-ctl.XXXXXX)
# bin/wharf's command line, on a copy of the Wharf jars: a `mvn install` of any module during the run (others build
# on this machine) would otherwise replace a jar under a running JVM, which then fails to load its next class
mkdir -p "$work/jars"
CP=""
for j in "$TOP/cli/target/wharf.jar" $(tr ':' ' ' <"$TOP/cli/target/classpath.txt"); do
  case "$j" in
    */wharf-controllers-*.jar) cp "${CONTROLLERS_JAR:-$j}" "$work/jars/$(basename "$j")"; j=$work/jars/$(basename "$j") ;;
    */io/wharf/*|*/cli/target/*) cp "$j" "$work/jars/"; j=$work/jars/$(basename "$j") ;;
  esac
  CP=${CP:+$CP:}$j
done
wharf() { LC_ALL=C.UTF-8 exec "$JAVA" "${JOPTS[@]}" ${WHARF_JAVA_OPTS:-} -cp "$CP" io.wharf.cli.Main "$@"; }
pids=()
cleanup() {
  local p i
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || continue
    for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
  if [ -n "${KEEP:-}" ]; then echo "# logs kept in $work" >&2; rm -rf "$work/jars" "$work/sched/root" "$work/deploy/root"; else rm -rf "$work"; fi
}
trap cleanup EXIT
stop_all() { # stops what this run started, keeps $work
  local p i
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || continue
    for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true
  done
  pids=()
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
secs() { python3 -c "print('%.1f' % ($2 - $1))"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# cpu_s PID: CPU seconds (user + system) the process has used so far
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / t}' "/proc/$1/stat" 2>/dev/null || echo 0; }
dcpu() { python3 -c "print('%.1f' % ($2 - $1))"; }
# compiled once here, not by the source launcher: javac in the measured JVM would inflate its RSS
mkdir -p "$work/classes"
"$(dirname "$JAVA")/javac" -nowarn -d "$work/classes" -cp "$CP" "$BENCH_SRC"
CP="$work/classes:$CP"
bench_java() { "$JAVA" "${JOPTS[@]}" -cp "$CP" io.wharf.bench.ControllersBench "$@"; }
# the JVMs are started as `( ... exec java ...) &`, so $! is the JVM itself (its RSS, and a clean stop by PID)

# start_server DIR [JAVA OPTS]: sets spid, kc (admin kubeconfig)
start_server() {
  local dir=$1 port; port=$(free_port); mkdir -p "$dir"
  (WHARF_JAVA_OPTS="${2:-}" wharf server --root "$dir/root" --run-dir "$dir/run" --config-dir "$dir/etc" --port "$port") >"$dir/server.log" 2>&1 &
  spid=$!; pids+=("$spid")
  kc=$dir/etc/admin.conf
  for i in $(seq 1 600); do
    [ -f "$kc" ] && [ "$(curl -sk -m 1 "https://127.0.0.1:$port/readyz" 2>/dev/null)" = ok ] && return 0
    kill -0 "$spid" 2>/dev/null || { echo "server exited; log:" >&2; tail -30 "$dir/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "server not ready after 60 s" >&2; tail -30 "$dir/server.log" >&2; exit 1
}
# start_sim DIR COUNT PREFIX: sets simpid; waits until COUNT nodes are Ready
start_sim() {
  local dir=$1 n=$2 prefix=$3 t0; t0=$(now)
  (wharf sim-nodes --count "$n" --prefix "$prefix" --kubeconfig "$kc") >"$dir/sim.log" 2>&1 &
  simpid=$!; pids+=("$simpid")
  until [ "$(kubectl --kubeconfig "$kc" get nodes --no-headers 2>/dev/null | grep -c ' Ready ' || true)" -ge "$n" ]; do
    kill -0 "$simpid" 2>/dev/null || { echo "sim-nodes exited; log:" >&2; tail -30 "$dir/sim.log" >&2; exit 1; }
    [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt "$TIMEOUT" ] || { echo "nodes not Ready after ${TIMEOUT}s" >&2; exit 1; }
    sleep 1
  done
  echo "  $n simulated nodes Ready after $(secs "$t0" "$(now)") s"
}
running() { kubectl --kubeconfig "$kc" get pods -n "$1" --no-headers 2>/dev/null | grep -c ' Running ' || true; }

echo "# controllers bench $(date -u +%FT%TZ) loadavg $(load) nproc $(nproc)"
KS=${K8S_ANCHOR:-/var/tmp/k8s-anchor}/bin/kube-scheduler; KS_QPS=${KS_QPS:-1000}; KS_CONTENT_TYPE=${KS_CONTENT_TYPE:-application/json}
if [ -x "$KS" ]; then
  echo "# kube-scheduler $("$KS" --version 2>/dev/null | awk '{print $2}') at $KS$([[ " $PHASES " == *" kube "* ]] || echo ' (not run: add "kube" to PHASES)')"
else
  echo "# kube-scheduler: not built on this machine, no same-run comparison"
fi

if [[ " $PHASES " == *" sched "* ]]; then
  echo "== scheduling $SCHED_PODS pending pods on $SCHED_NODES simulated nodes"
  d=$work/sched
  start_server "$d" "-Dwharf.controllers=none"
  start_sim "$d" "$SCHED_NODES" bsn
  bench_java create-pods "$kc" sched-bench "$SCHED_PODS" 32 | sed 's/^/  /'
  t0=$(now); c_api0=$(cpu_s "$spid"); c_sim0=$(cpu_s "$simpid")
  # java itself in the background (not a shell function's subshell): $! is then the JVM whose RSS is read below
  "$JAVA" "${JOPTS[@]}" ${CM_JAVA_OPTS:-} -cp "$CP" io.wharf.bench.ControllersBench run-cm "$kc" "$SCHED_PODS" >"$d/cm.log" 2>&1 &
  cmpid=$!; pids+=("$cmpid")
  until grep -q '^SCHED ' "$d/cm.log"; do
    kill -0 "$cmpid" 2>/dev/null || { echo "controller manager exited; log:" >&2; tail -30 "$d/cm.log" >&2; exit 1; }
    [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt "$TIMEOUT" ] || { echo "not all bound after ${TIMEOUT}s; log:" >&2; tail -5 "$d/cm.log" >&2; exit 1; }
    sleep 0.5
  done
  sleep 0.5; grep -E '^(CM|SCHED) ' "$d/cm.log" | sed 's/^/  /'
  # where the machine's CPU went while the pods were scheduled (2 cores shared by the three processes)
  echo "  CPU s from controller-manager start to last bind seen: controllers+scheduler $(cpu_s "$cmpid"), API server $(dcpu "$c_api0" "$(cpu_s "$spid")"), simulator $(dcpu "$c_sim0" "$(cpu_s "$simpid")")"
  until [ "$(running sched-bench)" -ge "$SCHED_PODS" ]; do
    [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt "$TIMEOUT" ] || { echo "not all Running after ${TIMEOUT}s" >&2; exit 1; }
    sleep 1
  done
  echo "  all $SCHED_PODS pods Running (simulator) $(secs "$t0" "$(now)") s after the controller manager was started"
  sleep 5
  echo "  RSS with $SCHED_PODS pods: controllers+scheduler $(rss_mb "$cmpid") MB (own process), API server $(rss_mb "$spid") MB, simulator $(rss_mb "$simpid") MB"
  # the same after a full GC (bin/wharf sets no -Xmx, so the heap keeps what the burst of work grew it to)
  "$(dirname "$JAVA")/jcmd" "$cmpid" GC.run >/dev/null 2>&1 || true
  sleep 2
  heap=$("$(dirname "$JAVA")/jcmd" "$cmpid" GC.heap_info 2>/dev/null | awk '/total/ {for (i=1;i<=NF;i++) if ($i=="used") {u=$(i+1); sub(/K,?/,"",u); s+=u}} END {printf "%.0f", s/1024}')
  echo "  after a full GC: controllers+scheduler RSS $(rss_mb "$cmpid") MB, live heap ${heap:-?} MB"
  [ -z "${HISTO:-}" ] || { "$(dirname "$JAVA")/jcmd" "$cmpid" GC.class_histogram 2>/dev/null | head -30 | sed 's/^/  | /' || true; }
  # with CM_JAVA_OPTS=-XX:NativeMemoryTracking=summary: where the rest of the RSS is
  [ -z "${HISTO:-}" ] || { "$(dirname "$JAVA")/jcmd" "$cmpid" VM.native_memory summary 2>/dev/null | grep -E '^-|Total' | sed 's/^/  | /' || true; }
  echo "  loadavg $(load)"
  stop_all
fi

if [[ " $PHASES " == *" kube "* ]] && [ -x "$KS" ]; then
  echo "== the real kube-scheduler on the same workload: $SCHED_PODS pending pods, $SCHED_NODES simulated nodes, Wharf's API server"
  d=$work/kube
  start_server "$d" "-Dwharf.controllers=none"
  # kube-scheduler 1.20 waits for the caches of all its informers before it schedules anything: a type the server
  # does not serve keeps it waiting for ever, so the phase is skipped with the list of what is missing
  missing=""
  for r in /api/v1/pods /api/v1/nodes /api/v1/services /api/v1/persistentvolumes /api/v1/persistentvolumeclaims \
      /api/v1/replicationcontrollers /apis/apps/v1/replicasets /apis/apps/v1/statefulsets /apis/storage.k8s.io/v1/storageclasses \
      /apis/storage.k8s.io/v1/csinodes /apis/storage.k8s.io/v1/csidrivers; do
    kubectl --kubeconfig "$kc" get --raw "$r?limit=1" >/dev/null 2>&1 || missing="$missing ${r##*/}"
  done
fi
if [[ " $PHASES " == *" kube "* ]] && [ -x "$KS" ] && [ -n "$missing" ]; then
  echo "  skipped: kube-scheduler 1.20 lists and watches$missing, which this API server does not serve (it would wait for ever)"
  stop_all
elif [[ " $PHASES " == *" kube "* ]] && [ -x "$KS" ]; then
  start_sim "$d" "$SCHED_NODES" bsn
  bench_java create-pods "$kc" sched-bench "$SCHED_PODS" 32 | sed 's/^/  /'
  t0=$(now); c_api0=$(cpu_s "$spid"); c_sim0=$(cpu_s "$simpid")
  "$KS" --kubeconfig="$kc" --leader-elect=false --port=0 --secure-port=0 --kube-api-qps="$KS_QPS" --kube-api-burst="$KS_QPS" \
    --kube-api-content-type="$KS_CONTENT_TYPE" --feature-gates=PodDisruptionBudget=false -v=2 >"$d/ks.log" 2>&1 &
  kspid=$!; pids+=("$kspid")
  until [ "$(grep -c 'Successfully bound pod to node' "$d/ks.log" || true)" -ge "$SCHED_PODS" ]; do
    kill -0 "$kspid" 2>/dev/null || { echo "kube-scheduler exited; log:" >&2; tail -30 "$d/ks.log" >&2; exit 1; }
    [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt "$TIMEOUT" ] || { echo "kube-scheduler: not all bound after ${TIMEOUT}s; log:" >&2; grep -v 'Successfully bound' "$d/ks.log" | tail -20 >&2; exit 1; }
    sleep 0.5
  done
  t_all=$(now)
  c_ks=$(cpu_s "$kspid"); c_api=$(dcpu "$c_api0" "$(cpu_s "$spid")"); c_sim=$(dcpu "$c_sim0" "$(cpu_s "$simpid")")
  # klog's header: Lmmdd hh:mm:ss.uuuuuu; the first and the last bind of the run
  python3 - "$d/ks.log" "$SCHED_PODS" "$(secs "$t0" "$t_all")" <<'PY'
import re, sys
ts = [l.split()[1] for l in open(sys.argv[1]) if 'Successfully bound pod to node' in l]
def s(t):
    h, m, x = t.split(':'); return int(h) * 3600 + int(m) * 60 + float(x)
d = s(ts[-1]) - s(ts[0])
d += 86400 if d < 0 else 0
n = int(sys.argv[2])
print("  KUBE-SCHEDULER %d pods bound: %.2f s from first to last bind = %.0f pods/s; ~%s s from process start (incl. informer sync, 0.5 s polls) = %.0f pods/s"
      % (n, d, n / max(d, 1e-9), sys.argv[3], n / float(sys.argv[3])))
PY
  echo "  CPU s from kube-scheduler start to last bind: kube-scheduler $c_ks, API server $c_api, simulator $c_sim"
  until [ "$(running sched-bench)" -ge "$SCHED_PODS" ]; do
    [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt "$TIMEOUT" ] || { echo "not all Running after ${TIMEOUT}s" >&2; exit 1; }
    sleep 1
  done
  sleep 5
  echo "  RSS with $SCHED_PODS pods: kube-scheduler $(rss_mb "$kspid") MB (scheduler only, no controllers), API server $(rss_mb "$spid") MB"
  echo "  loadavg $(load)"
  stop_all
fi

if [[ " $PHASES " == *" deploy "* ]]; then
  echo "== Deployment of $REPLICAS replicas on $DEPLOY_NODES simulated nodes (wharf server as shipped)"
  d=$work/deploy
  start_server "$d"
  start_sim "$d" "$DEPLOY_NODES" bdn
  # deploy NAME REPLICAS: kubectl apply, then seconds until readyReplicas == REPLICAS (in $t)
  deploy() {
    cat >"$d/$1.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: default}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec: {containers: [{name: web, image: "nginx:alpine"}]}
YAML
    local t0 r; t0=$(now)
    kubectl --kubeconfig "$kc" apply -f "$d/$1.yaml" >/dev/null
    while :; do
      r=$(kubectl --kubeconfig "$kc" get deploy "$1" -o jsonpath='{.status.readyReplicas}' 2>/dev/null || true)
      [ "${r:-0}" -ge "$2" ] && break
      [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt "$TIMEOUT" ] || { echo "only ${r:-0} of $2 ready after ${TIMEOUT}s" >&2; exit 1; }
      sleep 0.2
    done
    t=$(secs "$t0" "$(now)")
  }
  # a first, smaller Deployment on the fresh (cold JIT) server, deleted again; the figure is the second one's
  warm=$(( REPLICAS / 10 > 10 ? REPLICAS / 10 : 10 ))
  deploy warm "$warm"
  echo "  warm-up: $warm replicas ready after $t s on the cold server"
  kubectl --kubeconfig "$kc" delete deploy warm >/dev/null
  for i in $(seq 1 $((TIMEOUT * 2))); do
    [ "$(kubectl --kubeconfig "$kc" get pods -l app=warm --no-headers 2>/dev/null | wc -l)" -eq 0 ] && break; sleep 0.5
  done
  deploy big "$REPLICAS"
  echo "  readyReplicas == $REPLICAS after $t s from kubectl apply"
  echo "  pods Running (kubectl get pods): $(running default); server (API + controllers + scheduler) RSS $(rss_mb "$spid") MB"
  echo "  loadavg $(load)"
  stop_all
fi
echo "# done $(date -u +%FT%TZ) loadavg $(load)"
