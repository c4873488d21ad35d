package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * Pod garbage collection (pkg/controller/podgc): force-deletes pods bound to nodes that no longer exist (orphaned),
 * terminating pods on unready nodes are left to the node's return or removal, and terminated pods beyond the
 * threshold (12500, kube-controller-manager's --terminated-pod-gc-threshold) are deleted oldest first. Runs every 20 s.
 */
public final class PodGcController extends Controller {
    static final int TERMINATED_THRESHOLD = 12500;
    private final Informers informers;
    private final ApiWriter writer;

    public PodGcController(Informers informers, ApiWriter writer) {
        super("pod-garbage-collector", 1);
        this.informers = informers;
        this.writer = writer;
        informers.of(Pod.class);
        // a deleted node orphans its pods at once: collect them now rather than at the next 20 s pass
        informers.of(Node.class).addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
            @Override public void onAdd(Node n) { }
            @Override public void onUpdate(Node a, Node b) { }
            @Override public void onDelete(Node n, boolean unknown) { queue.add("gc"); }
        });
    }

    @Override
    protected void onStart() { queue.add("gc"); }

    @Override
    public void reconcile(String key) {
        try {
            List<Pod> pods = informers.list(Pod.class);
            for (Pod p : pods) {
                String n = p.getSpec().getNodeName();
                if (n == null || n.isEmpty() || informers.get(Node.class, null, n) != null) continue;
                // double-check with the server: the node cache may lag behind a node that was just registered
                if (writer.client().nodes().withName(n).get() != null) continue;
                delete(p);
            }
            List<Pod> terminated = pods.stream().filter(p -> p.getStatus() != null
                    && ("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase()))).toList();
            int excess = terminated.size() - TERMINATED_THRESHOLD;
            if (excess > 0)
                terminated.stream().sorted(Comparator.comparing(Pods::created)).limit(excess).forEach(this::delete);
        } finally {
            requeueAfter("gc", Duration.ofSeconds(20));
        }
    }

    private void delete(Pod p) {
        try {
            writer.delete(p, io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND, 0L);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) throw e;
        }
    }
}
