package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.wharf.controllers.Pods;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the scheduler knows of one node (framework.NodeInfo): the Node object and the pods placed on it, keyed by
 * uid so that an assumed pod (bound, not yet seen by the informer) and its informer copy count once.
 */
final class NodeInfo {
    record PodEntry(String uid, Resources requests, Resources nonZero, List<String> hostPorts, String ownerUid, Pod pod) {}

    /** Allocatable cpu (milli), memory (bytes) and pod count, parsed once per Node object, not once per pod and node. */
    record Allocatable(long milliCpu, long memory, long pods) {
        static Allocatable of(Node n) {
            java.util.Map<String, io.fabric8.kubernetes.api.model.Quantity> a = n.getStatus() == null ? null : n.getStatus().getAllocatable();
            if (a == null) a = Map.of();
            return new Allocatable(Resources.milli(a.get("cpu")), Resources.bytes(a.get("memory")), a.containsKey("pods") ? Resources.count(a.get("pods")) : 110);
        }
    }

    /** Pods with required anti-affinity on all the scheduler's nodes, so that a cycle can skip looking for them when there are none. */
    private final java.util.concurrent.atomic.AtomicInteger antiAffinityTotal;

    NodeInfo() { this(new java.util.concurrent.atomic.AtomicInteger()); }

    NodeInfo(java.util.concurrent.atomic.AtomicInteger antiAffinityTotal) { this.antiAffinityTotal = antiAffinityTotal; }

    volatile Node node;
    volatile Allocatable allocatable = new Allocatable(0, 0, 110);

    void setNode(Node n) {
        allocatable = Allocatable.of(n);
        node = n;
    }
    final Map<String, PodEntry> pods = new HashMap<>();
    Resources requested = Resources.ZERO;
    Resources nonZeroRequested = Resources.ZERO;

    synchronized void add(Pod p) {
        String uid = p.getMetadata().getUid();
        PodEntry had = pods.get(uid);
        if (had != null) {
            // keep the newest object, not the one assumed at bind time: the informer holds the newest, so holding
            // the old one would keep a second copy of every placed pod (and affinity terms read its current labels)
            if (had.pod() != p) {
                pods.put(uid, new PodEntry(uid, had.requests(), had.nonZero(), had.hostPorts(), had.ownerUid(), p));
                if (antiAffinityPods.containsKey(uid)) antiAffinityPods.put(uid, p);
            }
            return;
        }
        OwnerReference r = Pods.controllerRef(p);
        PodEntry e = new PodEntry(uid, Resources.requests(p), Resources.nonZeroRequests(p), hostPorts(p), r == null ? null : r.getUid(), p);
        pods.put(uid, e);
        if (hasRequiredAntiAffinity(p)) {
            antiAffinityPods.put(uid, p);
            antiAffinityTotal.incrementAndGet();
        }
        requested = requested.plus(e.requests());
        nonZeroRequested = nonZeroRequested.plus(e.nonZero());
    }

    synchronized void remove(String uid) {
        PodEntry e = pods.remove(uid);
        if (e == null) return;
        if (antiAffinityPods.remove(uid) != null) antiAffinityTotal.decrementAndGet();
        requested = requested.minus(e.requests());
        nonZeroRequested = nonZeroRequested.minus(e.nonZero());
    }

    synchronized int podCount() { return pods.size(); }

    synchronized List<Pod> podList() { return pods.values().stream().map(PodEntry::pod).toList(); }

    /** Pods with required anti-affinity terms, which every incoming pod must respect (kept apart: they are few). */
    final Map<String, Pod> antiAffinityPods = new HashMap<>();

    synchronized List<Pod> antiAffinityPodList() { return antiAffinityPods.isEmpty() ? List.of() : List.copyOf(antiAffinityPods.values()); }

    static boolean hasRequiredAntiAffinity(Pod p) {
        var a = p.getSpec().getAffinity();
        return a != null && a.getPodAntiAffinity() != null && a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null
                && !a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().isEmpty();
    }

    synchronized boolean portInUse(String hostPort) {
        String[] want = hostPort.split("/", 3);
        for (PodEntry e : pods.values())
            for (String hp : e.hostPorts()) {
                String[] have = hp.split("/", 3);
                if (!have[1].equals(want[1]) || !have[2].equals(want[2])) continue;
                if (have[0].equals(want[0]) || have[0].equals("0.0.0.0") || want[0].equals("0.0.0.0")) return true;
            }
        return false;
    }

    synchronized int podsOwnedBy(String ownerUid) {
        if (ownerUid == null) return 0;
        int n = 0;
        for (PodEntry e : pods.values()) if (ownerUid.equals(e.ownerUid())) n++;
        return n;
    }

    /** "hostIP/protocol/port" for every container port with a hostPort. */
    static List<String> hostPorts(Pod p) {
        List<String> out = new java.util.ArrayList<>();
        if (p.getSpec().getContainers() == null) return out;
        for (Container c : p.getSpec().getContainers()) {
            if (c.getPorts() == null) continue;
            for (ContainerPort cp : c.getPorts()) {
                if (cp.getHostPort() == null || cp.getHostPort() <= 0) continue;
                String ip = cp.getHostIP() == null || cp.getHostIP().isEmpty() ? "0.0.0.0" : cp.getHostIP();
                out.add(ip + "/" + (cp.getProtocol() == null ? "TCP" : cp.getProtocol()) + "/" + cp.getHostPort());
            }
        }
        return out;
    }
}
