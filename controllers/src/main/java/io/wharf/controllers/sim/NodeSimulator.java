package io.wharf.controllers.sim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.wharf.common.Component;
import io.wharf.controllers.ApiWriter;
import io.wharf.controllers.Controller;
import io.wharf.controllers.Informers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A KWOK-like SIMULATOR of nodes, for tests and scale benchmarks only: no containers run. It registers
 * {@code count} Node objects named {@code <prefix>-0 .. <prefix>-(count-1)} (label {@code type=wharf-sim}) with
 * capacity, allocatable, conditions, addresses and nodeInfo; renews each node's Lease in {@code kube-node-lease}
 * every 10 s; and reports the pods bound to its nodes as a kubelet would: Pending → Running (podIP, hostIP,
 * containerStatuses) → Ready, deletes terminating pods at once (confirming the kubelet's side of graceful deletion),
 * and finishes pods that are meant to end. Lease renewals and pod status reports are merge patches whose answers are
 * not decoded ({@link ApiWriter#mergePatch}): a simulator of 1,000 nodes stands in for 1,000 kubelets on other
 * machines, and should cost the machine it shares with the control plane as little as it can.
 *
 * <p>Completion rule: a pod whose restartPolicy is Never or OnFailure (Job pods, bare run-to-completion pods)
 * succeeds {@link Options#completeAfter()} after it started, or after the seconds in the annotation
 * {@value #COMPLETE_AFTER}; with annotation {@value #EXIT_CODE} other than 0 it fails with that exit code.
 * restartPolicy Always pods run until deleted.
 *
 * <p>{@link #close()} stops renewing the Leases and reporting pods but leaves the Nodes, so the node lifecycle
 * controller marks them NotReady and, later, evicts their pods — as when a real node dies.
 */
public final class NodeSimulator implements Component {
    private static final Logger log = LoggerFactory.getLogger(NodeSimulator.class);
    public static final String COMPLETE_AFTER = "sim.wharf.io/complete-after-seconds";
    public static final String EXIT_CODE = "sim.wharf.io/exit-code";
    public static final String SIM_LABEL = "type";
    public static final String SIM_LABEL_VALUE = "wharf-sim";
    static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    /**
     * @param cpu / memory / pods   capacity (= allocatable) of each node
     * @param leaseInterval         how often Leases are renewed (kubelet: 10 s)
     * @param readyDelay            Running → Ready after this (0: both in one status write)
     * @param completeAfter         run time of pods with restartPolicy Never/OnFailure
     */
    public record Options(String cpu, String memory, int pods, Duration leaseInterval, Duration readyDelay, Duration completeAfter) {
        public Options {
            Objects.requireNonNull(cpu);
            Objects.requireNonNull(memory);
            if (pods <= 0) throw new IllegalArgumentException("pods must be positive");
            if (leaseInterval.isNegative() || leaseInterval.isZero()) throw new IllegalArgumentException("leaseInterval must be positive");
        }

        public static Options defaults() {
            return new Options("4", "16Gi", 110, Duration.ofSeconds(10), Duration.ZERO, Duration.ofSeconds(2));
        }

        public Options withReadyDelay(Duration d) { return new Options(cpu, memory, pods, leaseInterval, d, completeAfter); }
        public Options withCompleteAfter(Duration d) { return new Options(cpu, memory, pods, leaseInterval, readyDelay, d); }
        public Options withCapacity(String c, String m, int p) { return new Options(c, m, p, leaseInterval, readyDelay, completeAfter); }
        public Options withLeaseInterval(Duration d) { return new Options(cpu, memory, pods, d, readyDelay, completeAfter); }
    }

    private final KubernetesClient client;
    private final ApiWriter writer;
    private final String prefix;
    private final int count;
    private final Options options;
    private final Clock clock;
    static final Duration STATUS_REPORT = Duration.ofMinutes(5);
    private final Set<String> nodeNames = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> lastStatus = new ConcurrentHashMap<>();
    private final Map<String, Integer> nodeIndex = new ConcurrentHashMap<>();
    private final Map<String, Integer> nextIp = new ConcurrentHashMap<>();
    private final int subnetBase;
    private volatile Informers informers;
    private PodWorker pods;
    private Thread heartbeat;
    private volatile boolean closed;

    public NodeSimulator(KubernetesClient client, String prefix, int count) {
        this(client, prefix, count, Options.defaults(), Clock.systemUTC());
    }

    public NodeSimulator(KubernetesClient client, String prefix, int count, Options options, Clock clock) {
        if (count < 0) throw new IllegalArgumentException("count must be >= 0");
        if (!prefix.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) throw new IllegalArgumentException("invalid node name prefix: " + prefix);
        this.client = client;
        this.writer = new ApiWriter(client);
        this.prefix = prefix;
        this.count = count;
        this.options = options;
        this.clock = clock;
        // a different fake subnet per prefix, so several simulators give distinct pod IPs
        this.subnetBase = Math.floorMod(prefix.hashCode(), 200);
        for (int i = 0; i < count; i++) {
            String n = prefix + "-" + i;
            nodeNames.add(n);
            nodeIndex.put(n, i);
        }
    }

    @Override
    public String name() { return "sim-nodes(" + prefix + " x" + count + ")"; }

    public List<String> nodeNames() {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < count; i++) l.add(prefix + "-" + i);
        return l;
    }

    public ApiWriter writer() { return writer; }

    @Override
    public void start() throws Exception {
        parallel(nodeNames(), n -> {
            // a transport error (a reset connection to a busy server) is retried a few times before giving up
            for (int attempt = 1; ; attempt++) {
                try {
                    register(n);
                    return;
                } catch (KubernetesClientException e) {
                    if (attempt >= 5 || e.getCode() != 0 && e.getCode() < 500) throw e;
                    log.info("registering {} failed ({}), retrying", n, e.getMessage());
                    try {
                        Thread.sleep(200L * attempt);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        });
        renewLeases();
        Informers inf = new Informers(client);
        inf.of(Node.class);
        informers = inf;
        pods = new PodWorker();
        inf.start(Duration.ofSeconds(60));
        pods.start();
        heartbeat = Thread.ofVirtual().name("sim-heartbeat-" + prefix).start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(options.leaseInterval().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed) renewLeases();
            }
        });
        log.info("simulated nodes {}-0..{} registered", prefix, count - 1);
    }

    private String ts() { return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString(); }

    private Node desiredNode(String name, Node existing) {
        Map<String, Quantity> cap = new LinkedHashMap<>();
        cap.put("cpu", new Quantity(options.cpu()));
        cap.put("memory", new Quantity(options.memory()));
        cap.put("pods", new Quantity(String.valueOf(options.pods())));
        cap.put("ephemeral-storage", new Quantity("100Gi"));
        String now = ts();
        List<NodeCondition> conds = List.of(
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", now));
        int idx = nodeIndex.get(name);
        NodeBuilder b = existing == null ? new NodeBuilder().withNewMetadata().withName(name).endMetadata() : new NodeBuilder(existing);
        return b.editMetadata()
                .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux").addToLabels("kubernetes.io/arch", "amd64")
                .addToLabels(SIM_LABEL, SIM_LABEL_VALUE)
                .addToAnnotations("node.alpha.kubernetes.io/ttl", "0").addToAnnotations("wharf.io/simulated", "true")
                .endMetadata()
                .editOrNewSpec().withPodCIDR(podCidr(idx)).withPodCIDRs(podCidr(idx)).endSpec()
                .withNewStatus().withCapacity(cap).withAllocatable(cap).withConditions(conds).withPhase(null)
                .addNewAddress().withType("InternalIP").withAddress(nodeIp(idx)).endAddress()
                .addNewAddress().withType("Hostname").withAddress(name).endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10250).endKubeletEndpoint().endDaemonEndpoints()
                .withNewNodeInfo().withArchitecture("amd64").withOperatingSystem("linux").withOsImage("Wharf simulated node")
                .withKernelVersion(System.getProperty("os.version")).withKubeletVersion("v1.31.0-wharf-sim").withKubeProxyVersion("v1.31.0-wharf-sim")
                .withContainerRuntimeVersion("wharf-sim://0.1.0").withMachineID(String.format("%032x", (long) name.hashCode() & 0xffffffffL))
                .withSystemUUID(java.util.UUID.nameUUIDFromBytes(name.getBytes()).toString()).withBootID(java.util.UUID.randomUUID().toString()).endNodeInfo()
                .endStatus().build();
    }

    private static NodeCondition cond(String type, String status, String reason, String msg, String now) {
        return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(msg)
                .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
    }

    private String nodeIp(int idx) { return "10.253." + (subnetBase + idx / 250) + "." + (1 + idx % 250); }

    private String podCidr(int idx) { return "10." + (64 + (subnetBase + idx / 256) % 64) + "." + (idx % 256) + ".0/24"; }

    private String podIp(String node) {
        int idx = nodeIndex.get(node);
        int n = nextIp.merge(node, 1, (a, b) -> a % 253 + 1);
        String cidr = podCidr(idx);
        return cidr.substring(0, cidr.lastIndexOf('.')) + "." + (n + 1);
    }

    private void register(String name) {
        lastStatus.put(name, clock.instant());
        Node existing = client.nodes().withName(name).get();
        if (existing == null) {
            Node created = writer.create(desiredNode(name, null));
            // kubelets set status in a second write (the create body's status is dropped by the API server)
            Node withStatus = desiredNode(name, created);
            writer.updateStatus(withStatus);
        } else {
            Node n = desiredNode(name, existing);
            Node updated = writer.update(new NodeBuilder(n).withStatus(existing.getStatus()).build());
            writer.updateStatus(new NodeBuilder(updated).withStatus(n.getStatus()).build());
        }
    }

    private long cycle;

    private void renewLeases() {
        cycle++;
        java.time.ZonedDateTime now = clock.instant().truncatedTo(ChronoUnit.MICROS).atZone(java.time.ZoneOffset.UTC);
        String renew = MICRO.format(now);
        parallel(nodeNames(), name -> {
            if (closed) return;
            try {
                // a renewal is one merge patch whose answer is not decoded (the kubelet's is one update): 1,000 nodes
                // renew 100 leases a second, and decoding each answer was most of the simulator's CPU after the pods
                try {
                    writer.mergePatch("lease", "kube-node-lease", name, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + name,
                            "{\"spec\":{\"holderIdentity\":" + ApiWriter.jsonString(name) + ",\"leaseDurationSeconds\":40,\"renewTime\":\"" + renew + "\"}}");
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) throw e;
                    writer.create(new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-node-lease")
                            .addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(name)
                            .withUid(client.nodes().withName(name).get().getMetadata().getUid()).endOwnerReference().endMetadata()
                            .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40).withRenewTime(now).endSpec().build());
                }
                if (cycle % 3 != 0) return; // the node's own status is looked at every third renewal
                // from the node informer once it runs (a GET of every node every 30 s was 33 full Node reads a second)
                Informers inf = informers;
                Node node = inf != null ? inf.get(Node.class, null, name) : client.nodes().withName(name).get();
                if (node != null && !"True".equals(readyStatus(node))) {
                    writer.updateStatus(desiredNode(name, node)); // back from NotReady/Unknown: report Ready again
                    lastStatus.put(name, clock.instant());
                } else if (node != null && clock.instant().isAfter(lastStatus.getOrDefault(name, Instant.EPOCH).plus(STATUS_REPORT))) {
                    // nodeStatusReportFrequency: an unchanged status is still re-posted (fresh heartbeats) every 5 minutes
                    String hb = ts();
                    List<NodeCondition> conds = new ArrayList<>();
                    for (NodeCondition c : node.getStatus().getConditions()) conds.add(new NodeConditionBuilder(c).withLastHeartbeatTime(hb).build());
                    writer.updateStatus(new NodeBuilder(node).editStatus().withConditions(conds).endStatus().build());
                    lastStatus.put(name, clock.instant());
                }
            } catch (KubernetesClientException e) {
                log.info("renewing the lease of {} failed: {}", name, e.getMessage());
            }
        });
    }

    /** Runs the action for every name on virtual threads, at most 16 at once; rethrows the first failure. */
    private static void parallel(List<String> names, java.util.function.Consumer<String> action) {
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(16);
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (String n : names) {
                permits.acquireUninterruptibly();
                exec.submit(() -> {
                    try {
                        action.accept(n);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        permits.release();
                    }
                });
            }
        }
        if (failure.get() != null) throw failure.get();
    }

    static String readyStatus(Node n) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) return null;
        for (NodeCondition c : n.getStatus().getConditions()) if ("Ready".equals(c.getType())) return c.getStatus();
        return null;
    }

    /** Stops renewing leases and reporting pods; the Nodes stay (they will turn NotReady). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (heartbeat != null) heartbeat.interrupt();
        if (pods != null) pods.close();
        if (informers != null) informers.close();
    }

    /** Deletes the Node objects and their Leases (for `wharf sim-nodes` shutdown with --delete, and tests). */
    public void deleteNodes() {
        for (String n : nodeNames()) {
            try {
                client.nodes().withName(n).delete();
                client.leases().inNamespace("kube-node-lease").withName(n).delete();
            } catch (KubernetesClientException e) {
                log.debug("deleting {}: {}", n, e.getMessage());
            }
        }
    }

    /** The kubelet side of pods bound to the simulated nodes, keyed by pod like any controller. */
    private final class PodWorker extends Controller {
        PodWorker() {
            // a kubelet per node reports its pods in parallel with the others: 4 writers for hundreds of nodes held
            // every pod of a large rollout in a queue of ~10 ms status writes
            super("sim-pods-" + prefix, 16);
            informers.of(Pod.class).addEventHandler(enqueue(p -> mine(p) ? List.of(key(p)) : List.of()));
        }

        private boolean mine(Pod p) {
            String n = p.getSpec().getNodeName();
            return n != null && nodeNames.contains(n);
        }

        @Override
        public void reconcile(String key) {
            Pod p = informers.get(Pod.class, key);
            if (p == null || !mine(p) || closed) return;
            if (p.getMetadata().getDeletionTimestamp() != null) {
                try {
                    writer.delete(p, io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND, 0L);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) throw e;
                }
                return;
            }
            PodStatus st = p.getStatus() == null ? new PodStatus() : p.getStatus();
            String phase = st.getPhase() == null ? "Pending" : st.getPhase();
            Instant now = clock.instant();
            switch (phase) {
                case "Pending" -> {
                    boolean ready = options.readyDelay().isZero();
                    reportStatus(p, running(p, ready, now));
                    if (!ready) requeueAfter(key, options.readyDelay());
                    else scheduleCompletion(p, key, now);
                }
                case "Running" -> {
                    if (!isReady(p)) {
                        Instant started = st.getStartTime() == null ? now : Instant.parse(st.getStartTime());
                        Duration left = Duration.between(now, started.plus(options.readyDelay()));
                        if (left.isNegative() || left.isZero()) {
                            reportStatus(p, running(p, true, now));
                        } else {
                            requeueAfter(key, left);
                            return;
                        }
                    }
                    if (runsToCompletion(p)) {
                        Instant started = st.getStartTime() == null ? now : Instant.parse(st.getStartTime());
                        Duration left = Duration.between(now, started.plus(runTime(p)));
                        if (left.isNegative() || left.isZero()) reportStatus(p, finished(p, now));
                        else requeueAfter(key, left);
                    }
                }
                default -> { /* Succeeded / Failed: nothing more */ }
            }
        }

        private void scheduleCompletion(Pod p, String key, Instant now) {
            if (runsToCompletion(p)) requeueAfter(key, runTime(p));
        }
    }

    /**
     * Writes the pod's status as a merge patch of pods/status (a kubelet patches its pods' status too), the answer not
     * decoded: a PUT of the whole pod and the decoding of the whole pod sent back were the simulator's largest cost.
     * The patch carries the whole status the simulator computed, lists (conditions, containerStatuses) replacing the
     * stored ones; the last report wins, as a kubelet's.
     */
    private void reportStatus(Pod p, PodStatus status) {
        String ns = p.getMetadata().getNamespace(), name = p.getMetadata().getName();
        writer.mergePatch("pod", ns, name, "/api/v1/namespaces/" + ns + "/pods/" + name + "/status",
                "{\"status\":" + io.wharf.controllers.Clients.SERIALIZATION.asJson(status) + "}");
    }

    private static boolean isReady(Pod p) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) return false;
        for (PodCondition c : p.getStatus().getConditions()) if ("Ready".equals(c.getType())) return "True".equals(c.getStatus());
        return false;
    }

    private static boolean runsToCompletion(Pod p) {
        String rp = p.getSpec().getRestartPolicy();
        return "Never".equals(rp) || "OnFailure".equals(rp);
    }

    private Duration runTime(Pod p) {
        String a = p.getMetadata().getAnnotations() == null ? null : p.getMetadata().getAnnotations().get(COMPLETE_AFTER);
        if (a != null) {
            try {
                return Duration.ofMillis((long) (Double.parseDouble(a) * 1000));
            } catch (NumberFormatException ignored) { /* default */ }
        }
        return options.completeAfter();
    }

    private PodStatus running(Pod p, boolean ready, Instant now) {
        PodStatus old = p.getStatus() == null ? new PodStatus() : p.getStatus();
        String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
        String start = old.getStartTime() != null ? old.getStartTime() : ts;
        String podIp = old.getPodIP() != null ? old.getPodIP() : (Boolean.TRUE.equals(p.getSpec().getHostNetwork()) ? hostIp(p) : podIp(p.getSpec().getNodeName()));
        List<ContainerStatus> cs = new ArrayList<>();
        for (Container c : p.getSpec().getContainers())
            cs.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID(c.getImage() + "@sha256:" + "0".repeat(64))
                    .withContainerID("wharf-sim://" + Integer.toHexString((p.getMetadata().getUid() + c.getName()).hashCode()))
                    .withReady(ready).withStarted(true).withRestartCount(0)
                    .withNewState().withNewRunning().withStartedAt(start).endRunning().endState().build());
        List<ContainerStatus> init = new ArrayList<>();
        if (p.getSpec().getInitContainers() != null)
            for (Container c : p.getSpec().getInitContainers())
                init.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID(c.getImage() + "@sha256:" + "0".repeat(64))
                        .withReady(true).withRestartCount(0).withNewState().withNewTerminated().withExitCode(0).withReason("Completed")
                        .withStartedAt(start).withFinishedAt(start).endTerminated().endState().build());
        String r = ready ? "True" : "False";
        List<PodCondition> conds = List.of(
                pcond(old, "PodReadyToStartContainers", "True", null, start),
                pcond(old, "Initialized", "True", null, start),
                pcond(old, "Ready", r, ready ? null : "ContainersNotReady", ts),
                pcond(old, "ContainersReady", r, ready ? null : "ContainersNotReady", ts),
                pcond(old, "PodScheduled", "True", null, start));
        return new PodBuilder().withNewStatus().withPhase("Running").withConditions(conds).withHostIP(hostIp(p))
                .addNewHostIP().withIp(hostIp(p)).endHostIP().withPodIP(podIp).addNewPodIP().withIp(podIp).endPodIP()
                .withStartTime(start).withContainerStatuses(cs).withInitContainerStatuses(init.isEmpty() ? null : init)
                .withQosClass(old.getQosClass() != null ? old.getQosClass() : "BestEffort").endStatus().build().getStatus();
    }

    private String hostIp(Pod p) {
        Integer idx = nodeIndex.get(p.getSpec().getNodeName());
        return nodeIp(idx == null ? 0 : idx);
    }

    private static PodCondition pcond(PodStatus old, String type, String status, String reason, String ts) {
        String since = ts;
        if (old.getConditions() != null)
            for (PodCondition c : old.getConditions())
                if (type.equals(c.getType()) && status.equals(c.getStatus()) && c.getLastTransitionTime() != null) since = c.getLastTransitionTime();
        return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withLastTransitionTime(since).build();
    }

    private PodStatus finished(Pod p, Instant now) {
        PodStatus old = p.getStatus();
        String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
        int exit = 0;
        String a = p.getMetadata().getAnnotations() == null ? null : p.getMetadata().getAnnotations().get(EXIT_CODE);
        if (a != null) {
            try {
                exit = Integer.parseInt(a);
            } catch (NumberFormatException ignored) { /* 0 */ }
        }
        String reason = exit == 0 ? "Completed" : "Error";
        List<ContainerStatus> cs = new ArrayList<>();
        for (ContainerStatus c : old.getContainerStatuses())
            cs.add(new ContainerStatusBuilder(c).withReady(false).withStarted(false).withNewState().withNewTerminated().withExitCode(exit).withReason(reason)
                    .withStartedAt(old.getStartTime()).withFinishedAt(ts).withContainerID(c.getContainerID()).endTerminated().endState().build());
        List<PodCondition> conds = new ArrayList<>();
        for (PodCondition c : old.getConditions()) {
            if (c.getType().equals("Ready") || c.getType().equals("ContainersReady"))
                conds.add(new PodConditionBuilder(c).withStatus("False").withReason("PodCompleted").withLastTransitionTime(ts).build());
            else if (c.getType().equals("PodReadyToStartContainers"))
                conds.add(new PodConditionBuilder(c).withStatus("False").withLastTransitionTime(ts).build());
            else conds.add(c);
        }
        return new PodBuilder().withStatus(old).editStatus().withPhase(exit == 0 ? "Succeeded" : "Failed")
                .withConditions(conds).withContainerStatuses(cs).endStatus().build().getStatus();
    }
}
