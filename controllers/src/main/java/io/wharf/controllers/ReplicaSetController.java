package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The ReplicaSet controller (pkg/controller/replicaset): keeps {@code spec.replicas} active pods owned by each
 * ReplicaSet (ownerReference controller=true), creating in slow-start batches (1, 2, 4, ...; a failing batch stops
 * the rest) and deleting by Kubernetes' ranking ({@link Pods#deletionOrder}); adopts matching orphans; writes
 * replicas / fullyLabeledReplicas / readyReplicas / availableReplicas / observedGeneration through the status
 * subresource only when they change. Expectations keep a lagging pod cache from causing double creates.
 */
public final class ReplicaSetController extends Controller {
    static final int BURST_REPLICAS = 500;
    static final String API_VERSION = "apps/v1";

    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Expectations expectations;
    private final Clock clock;

    public ReplicaSetController(Informers informers, ApiWriter writer, Clock clock, int workers) {
        super("replicaset-controller", workers);
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        this.events = new EventRecorder(writer, "replicaset-controller", clock);
        this.expectations = new Expectations(clock);
        informers.of(ReplicaSet.class).addEventHandler(enqueueSelf());
        informers.of(Pod.class).addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
            @Override public void onAdd(Pod p) {
                String k = ownerKey(p, "ReplicaSet");
                if (k != null) {
                    expectations.creationObserved(k);
                    queue.add(k);
                } else orphanKeys(p).forEach(queue::add);
            }
            @Override public void onUpdate(Pod a, Pod b) {
                String k = ownerKey(b, "ReplicaSet");
                if (b.getMetadata().getDeletionTimestamp() != null && a.getMetadata().getDeletionTimestamp() == null && k != null)
                    expectations.deletionObserved(k);
                if (k != null) queue.add(k);
                String old = ownerKey(a, "ReplicaSet");
                if (old != null && !old.equals(k)) queue.add(old);
                if (k == null) orphanKeys(b).forEach(queue::add);
                // a pod that became ready must be counted available after minReadySeconds
            }
            @Override public void onDelete(Pod p, boolean unknown) {
                String k = ownerKey(p, "ReplicaSet");
                if (k != null) {
                    expectations.deletionObserved(k);
                    queue.add(k);
                }
            }
        });
    }

    public Expectations expectations() { return expectations; }

    private List<String> orphanKeys(Pod p) {
        if (p.getMetadata().getDeletionTimestamp() != null) return List.of();
        List<String> keys = new ArrayList<>();
        for (ReplicaSet rs : informers.list(ReplicaSet.class, p.getMetadata().getNamespace()))
            if (!Pods.selectorEmpty(rs.getSpec().getSelector()) && Pods.matches(rs.getSpec().getSelector(), p.getMetadata().getLabels()))
                keys.add(key(rs));
        return keys;
    }

    @Override
    protected void onStart() {
        informers.list(ReplicaSet.class).forEach(rs -> queue.add(key(rs)));
    }

    @Override
    public void reconcile(String key) throws Exception {
        ReplicaSet rs = informers.get(ReplicaSet.class, key);
        if (rs == null) {
            expectations.delete(key);
            return;
        }
        boolean needsSync = expectations.satisfied(key) && rs.getMetadata().getDeletionTimestamp() == null;
        List<Pod> pods = claimPods(rs);
        List<Pod> active = pods.stream().filter(Pods::isActive).toList();
        Exception manageErr = null;
        if (needsSync) {
            try {
                manageReplicas(key, rs, active);
            } catch (Exception e) {
                manageErr = e;
            }
        }
        ReplicaSetStatus status = calculateStatus(rs, active, manageErr);
        if (!statusEquals(rs.getStatus(), status)) writer.updateStatus(new ReplicaSetBuilder(rs).withStatus(status).build());
        int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
        int replicas = replicas(rs);
        if (manageErr == null && minReady > 0 && status.getReadyReplicas() == replicas && status.getAvailableReplicas() != replicas)
            requeueAfter(key, Duration.ofSeconds(minReady));
        if (manageErr != null) throw manageErr;
    }

    static int replicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    /** Owned pods, adopting active orphans that match the selector (ClaimPods without the release half). */
    private List<Pod> claimPods(ReplicaSet rs) {
        String uid = rs.getMetadata().getUid();
        List<Pod> out = new ArrayList<>();
        for (Pod p : informers.list(Pod.class, rs.getMetadata().getNamespace())) {
            OwnerReference r = Pods.controllerRef(p);
            if (r != null) {
                if (uid.equals(r.getUid())) out.add(p);
                continue;
            }
            if (rs.getMetadata().getDeletionTimestamp() != null || p.getMetadata().getDeletionTimestamp() != null || !Pods.isActive(p)) continue;
            if (Pods.selectorEmpty(rs.getSpec().getSelector()) || !Pods.matches(rs.getSpec().getSelector(), p.getMetadata().getLabels())) continue;
            try {
                Pod adopted = new PodBuilder(p).editMetadata().addToOwnerReferences(Pods.newControllerRef(rs, API_VERSION, "ReplicaSet")).endMetadata().build();
                out.add(writer.update(adopted));
            } catch (KubernetesClientException e) {
                // changed or gone meanwhile: the next pass sees it
            }
        }
        return out;
    }

    private void manageReplicas(String key, ReplicaSet rs, List<Pod> active) throws Exception {
        int diff = active.size() - replicas(rs);
        if (diff < 0) {
            int n = Math.min(-diff, BURST_REPLICAS);
            expectations.expectCreations(key, n);
            AtomicReference<Exception> err = new AtomicReference<>();
            int created = slowStartBatch(n, 1, () -> {
                Pod p = newPod(rs);
                Pod out = writer.create(p);
                events.event(rs, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + out.getMetadata().getName());
            }, err);
            if (created < n) {
                // the creations that failed or were skipped will never be observed
                for (int i = created; i < n; i++) expectations.creationObserved(key);
                Exception e = err.get();
                if (ApiWriter.namespaceTerminating(e)) return; // the namespace controller is removing everything anyway
                events.event(rs, EventRecorder.WARNING, "FailedCreate", "Error creating: " + (e == null ? "unknown" : e.getMessage()));
                throw e == null ? new IllegalStateException("pod creation failed") : e;
            }
        } else if (diff > 0) {
            int n = Math.min(diff, BURST_REPLICAS);
            Map<String, Integer> onNode = new HashMap<>();
            for (Pod p : active) if (p.getSpec().getNodeName() != null) onNode.merge(p.getSpec().getNodeName(), 1, Integer::sum);
            List<Pod> victims = active.stream().sorted(Pods.deletionOrder(onNode)).limit(n).toList();
            expectations.expectDeletions(key, n);
            Exception first = null;
            for (Pod p : victims) {
                try {
                    writer.delete(p);
                    events.event(rs, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + p.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    expectations.deletionObserved(key);
                    if (e.getCode() != 404 && first == null) first = e;
                }
            }
            if (first != null) throw first;
        }
    }

    interface Action { void run() throws Exception; }

    /** Runs count actions in batches of 1, 2, 4, ... in parallel; stops after a batch with a failure; returns the successes. */
    static int slowStartBatch(int count, int initial, Action action, AtomicReference<Exception> err) throws InterruptedException {
        int remaining = count, successes = 0;
        for (int batch = Math.min(remaining, initial); batch > 0; batch = Math.min(2 * batch, remaining)) {
            AtomicInteger ok = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < batch; i++)
                ts.add(Thread.ofVirtual().start(() -> {
                    try {
                        action.run();
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        err.compareAndSet(null, e);
                    }
                }));
            for (Thread t : ts) t.join();
            successes += ok.get();
            if (ok.get() < batch) return successes;
            remaining -= batch;
        }
        return successes;
    }

    private static Pod newPod(ReplicaSet rs) {
        var t = rs.getSpec().getTemplate();
        var md = new ObjectMetaBuilder()
                .withGenerateName(rs.getMetadata().getName() + "-")
                .withNamespace(rs.getMetadata().getNamespace())
                .withLabels(t.getMetadata() == null ? null : t.getMetadata().getLabels())
                .withAnnotations(t.getMetadata() == null ? null : t.getMetadata().getAnnotations())
                .withFinalizers(t.getMetadata() == null ? null : t.getMetadata().getFinalizers())
                .withOwnerReferences(Pods.newControllerRef(rs, API_VERSION, "ReplicaSet"))
                .build();
        return new PodBuilder().withApiVersion("v1").withKind("Pod").withMetadata(md).withSpec(t.getSpec()).build();
    }

    ReplicaSetStatus calculateStatus(ReplicaSet rs, List<Pod> active, Exception manageErr) {
        Instant now = clock.instant();
        int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
        Map<String, String> templateLabels = rs.getSpec().getTemplate().getMetadata() == null ? Map.of()
                : Objects.requireNonNullElse(rs.getSpec().getTemplate().getMetadata().getLabels(), Map.of());
        int fully = 0, ready = 0, available = 0;
        for (Pod p : active) {
            Map<String, String> l = Objects.requireNonNullElse(p.getMetadata().getLabels(), Map.of());
            if (l.entrySet().containsAll(templateLabels.entrySet())) fully++;
            if (Pods.isReady(p)) {
                ready++;
                if (Pods.isAvailable(p, minReady, now)) available++;
            }
        }
        List<ReplicaSetCondition> conds = new ArrayList<>();
        if (rs.getStatus() != null && rs.getStatus().getConditions() != null)
            for (ReplicaSetCondition c : rs.getStatus().getConditions()) if (!"ReplicaFailure".equals(c.getType())) conds.add(c);
        if (manageErr != null && active.size() < replicas(rs)) {
            String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
            ReplicaSetCondition old = rs.getStatus() == null || rs.getStatus().getConditions() == null ? null
                    : rs.getStatus().getConditions().stream().filter(c -> "ReplicaFailure".equals(c.getType())).findFirst().orElse(null);
            conds.add(new io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder().withType("ReplicaFailure").withStatus("True")
                    .withReason("FailedCreate").withMessage(manageErr.getMessage())
                    .withLastTransitionTime(old != null ? old.getLastTransitionTime() : ts).build());
        }
        return new ReplicaSetStatusBuilder()
                .withReplicas(active.size()).withFullyLabeledReplicas(fully).withReadyReplicas(ready).withAvailableReplicas(available)
                .withObservedGeneration(rs.getMetadata().getGeneration())
                .withConditions(conds.isEmpty() ? null : conds).build();
    }

    static boolean statusEquals(ReplicaSetStatus a, ReplicaSetStatus b) {
        if (a == null) return false;
        return z(a.getReplicas()) == z(b.getReplicas()) && z(a.getFullyLabeledReplicas()) == z(b.getFullyLabeledReplicas())
                && z(a.getReadyReplicas()) == z(b.getReadyReplicas()) && z(a.getAvailableReplicas()) == z(b.getAvailableReplicas())
                && Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
                && Objects.equals(emptyToNull(a.getConditions()), emptyToNull(b.getConditions()));
    }

    static long z(Number n) { return n == null ? 0 : n.longValue(); }

    static <T> List<T> emptyToNull(List<T> l) { return l == null || l.isEmpty() ? null : l; }
}
