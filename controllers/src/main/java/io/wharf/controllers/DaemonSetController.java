package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.wharf.scheduler.Filters;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The DaemonSet controller (pkg/controller/daemon): one pod per node that matches the template's node
 * selector/affinity and whose NoSchedule/NoExecute taints the pod tolerates. Pods carry required node affinity to
 * their node (matchFields metadata.name) and are bound by the scheduler, as in Kubernetes; the controller adds the
 * tolerations Kubernetes adds (not-ready, unreachable, disk/memory/pid pressure, unschedulable). RollingUpdate
 * replaces pods whose controller-revision-hash differs, at most maxUnavailable (1) unavailable at a time; OnDelete
 * leaves them. No ControllerRevision objects are written (so `rollout history ds` shows nothing).
 */
public final class DaemonSetController extends Controller {
    static final String HASH = "controller-revision-hash";
    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Expectations expectations;
    private final Clock clock;

    public DaemonSetController(Informers informers, ApiWriter writer, Clock clock, int workers) {
        super("daemonset-controller", workers);
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        this.events = new EventRecorder(writer, "daemonset-controller", clock);
        this.expectations = new Expectations(clock);
        informers.of(DaemonSet.class).addEventHandler(enqueueSelf());
        informers.of(io.fabric8.kubernetes.api.model.apps.ControllerRevision.class);
        informers.of(Node.class).addEventHandler(enqueue(n -> informers.list(DaemonSet.class).stream().map(Controller::key).toList()));
        informers.of(Pod.class).addEventHandler(ownedPods("DaemonSet", expectations));
    }

    @Override
    protected void onStart() {
        informers.list(DaemonSet.class).forEach(d -> queue.add(key(d)));
    }

    /** The tolerations the DaemonSet controller adds to its pods (util.AddOrUpdateDaemonPodTolerations). */
    static List<Toleration> daemonTolerations(List<Toleration> own) {
        List<Toleration> out = new ArrayList<>(own == null ? List.of() : own);
        add(out, "node.kubernetes.io/not-ready", "NoExecute");
        add(out, "node.kubernetes.io/unreachable", "NoExecute");
        add(out, "node.kubernetes.io/disk-pressure", "NoSchedule");
        add(out, "node.kubernetes.io/memory-pressure", "NoSchedule");
        add(out, "node.kubernetes.io/pid-pressure", "NoSchedule");
        add(out, "node.kubernetes.io/unschedulable", "NoSchedule");
        return out;
    }

    private static void add(List<Toleration> l, String key, String effect) {
        if (l.stream().anyMatch(t -> key.equals(t.getKey()) && effect.equals(t.getEffect()))) return;
        l.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build());
    }

    private boolean shouldRun(DaemonSet ds, Node node) {
        Pod probe = new PodBuilder().withNewMetadata().endMetadata().withSpec(ds.getSpec().getTemplate().getSpec()).build();
        var spec = probe.getSpec();
        if (spec.getNodeSelector() != null) {
            Map<String, String> l = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
            for (var e : spec.getNodeSelector().entrySet()) if (!e.getValue().equals(l.get(e.getKey()))) return false;
        }
        var aff = spec.getAffinity();
        if (aff != null && aff.getNodeAffinity() != null && aff.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
            var terms = aff.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
            boolean any = false;
            for (var t : terms) {
                // reuse the scheduler's matching through a probe pod with only this affinity
                Pod p = new PodBuilder().withNewSpec().withNewAffinity().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                        .withNodeSelectorTerms(t).endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec().build();
                if (nodeMatches(p, node)) any = true;
            }
            if (!any) return false;
        }
        List<Toleration> tols = daemonTolerations(spec.getTolerations());
        if (node.getSpec().getTaints() != null)
            for (Taint t : node.getSpec().getTaints())
                if (("NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect())) && tols.stream().noneMatch(x -> Filters.tolerates(x, t)))
                    return false;
        return true;
    }

    private static boolean nodeMatches(Pod p, Node node) {
        var terms = p.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        for (var t : terms) {
            boolean ok = true;
            if (t.getMatchExpressions() != null)
                for (var r : t.getMatchExpressions()) {
                    String v = labels.get(r.getKey());
                    List<String> vals = r.getValues() == null ? List.of() : r.getValues();
                    ok &= switch (r.getOperator()) {
                        case "In" -> v != null && vals.contains(v);
                        case "NotIn" -> v == null || !vals.contains(v);
                        case "Exists" -> v != null;
                        case "DoesNotExist" -> v == null;
                        default -> false;
                    };
                }
            if (ok) return true;
        }
        return false;
    }

    @Override
    public void reconcile(String key) {
        DaemonSet ds = informers.get(DaemonSet.class, key);
        if (ds == null) {
            expectations.delete(key);
            return;
        }
        String hash = DeploymentUtil.computeHash(ds.getSpec().getTemplate(), ds.getStatus() == null ? null : ds.getStatus().getCollisionCount());
        Map<String, List<Pod>> byNode = new HashMap<>();
        for (Pod p : informers.list(Pod.class, ds.getMetadata().getNamespace())) {
            OwnerReference r = Pods.controllerRef(p);
            if (r == null || !ds.getMetadata().getUid().equals(r.getUid()) || !Pods.isActive(p)) continue;
            byNode.computeIfAbsent(targetNode(p), k -> new ArrayList<>()).add(p);
        }
        int desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
        List<String> create = new ArrayList<>();
        List<Pod> delete = new ArrayList<>();
        List<Pod> outdated = new ArrayList<>();
        int unavailable = 0;
        Instant now = clock.instant();
        int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
        for (Node n : informers.list(Node.class)) {
            String name = n.getMetadata().getName();
            List<Pod> pods = byNode.getOrDefault(name, List.of());
            boolean run = shouldRun(ds, n);
            if (run) {
                desired++;
                if (pods.isEmpty()) create.add(name);
                else {
                    current++;
                    for (int i = 1; i < pods.size(); i++) delete.add(pods.get(i));
                    Pod p = pods.getFirst();
                    if (Pods.isReady(p)) ready++;
                    if (Pods.isAvailable(p, minReady, now)) available++;
                    else unavailable++;
                    boolean upToDate = hash.equals(p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(HASH));
                    if (upToDate) updated++;
                    else outdated.add(p);
                }
            } else if (!pods.isEmpty()) {
                misscheduled++;
                delete.addAll(pods);
            }
        }
        unavailable += create.size();
        java.util.Set<String> live = new java.util.HashSet<>();
        byNode.values().forEach(l -> l.forEach(p -> { if (p.getMetadata().getLabels() != null && p.getMetadata().getLabels().get(HASH) != null) live.add(p.getMetadata().getLabels().get(HASH)); }));
        Revisions.sync(informers, writer, ds, "apps/v1", "DaemonSet", ds.getSpec().getSelector(), ds.getSpec().getTemplate(),
                ds.getMetadata().getName() + "-" + hash, hash, ds.getSpec().getRevisionHistoryLimit(), live);
        if (expectations.satisfied(key)) {
            String strategy = ds.getSpec().getUpdateStrategy() == null || ds.getSpec().getUpdateStrategy().getType() == null ? "RollingUpdate"
                    : ds.getSpec().getUpdateStrategy().getType();
            if ("RollingUpdate".equals(strategy)) {
                var ru = ds.getSpec().getUpdateStrategy() == null ? null : ds.getSpec().getUpdateStrategy().getRollingUpdate();
                int maxUnavailable = Math.max(1, DeploymentUtil.scaled(ru == null ? null : ru.getMaxUnavailable(), desired, true));
                // unavailable outdated pods go first, then available ones while the budget allows
                for (Pod p : outdated) if (!Pods.isAvailable(p, minReady, now)) delete.add(p);
                int budget = maxUnavailable - unavailable;
                for (Pod p : outdated) {
                    if (budget <= 0) break;
                    if (Pods.isAvailable(p, minReady, now)) {
                        delete.add(p);
                        budget--;
                    }
                }
            }
            expectations.expect(key, create.size(), delete.size());
            for (String node : create) {
                try {
                    Pod out = writer.create(newPod(ds, node, hash));
                    events.event(ds, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: " + out.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    expectations.creationObserved(key);
                    throw e;
                }
            }
            for (Pod p : delete) {
                try {
                    writer.delete(p);
                    events.event(ds, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted pod: " + p.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    expectations.deletionObserved(key);
                    if (e.getCode() != 404) throw e;
                }
            }
        }
        DaemonSetStatus st = new DaemonSetStatusBuilder(ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus())
                .withDesiredNumberScheduled(desired).withCurrentNumberScheduled(current).withNumberMisscheduled(misscheduled)
                .withNumberReady(ready).withUpdatedNumberScheduled(updated).withNumberAvailable(available == 0 ? null : available)
                .withNumberUnavailable(desired - available == 0 ? null : desired - available)
                .withObservedGeneration(ds.getMetadata().getGeneration()).build();
        if (!Objects.equals(st, ds.getStatus())) writer.updateStatus(new DaemonSetBuilder(ds).withStatus(st).build());
    }

    private static String targetNode(Pod p) {
        if (p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty()) return p.getSpec().getNodeName();
        var a = p.getSpec().getAffinity();
        try {
            return a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().getFirst()
                    .getMatchFields().getFirst().getValues().getFirst();
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static Pod newPod(DaemonSet ds, String node, String hash) {
        var t = ds.getSpec().getTemplate();
        return new PodBuilder().withApiVersion("v1").withKind("Pod")
                .withNewMetadata().withGenerateName(ds.getMetadata().getName() + "-").withNamespace(ds.getMetadata().getNamespace())
                .withLabels(t.getMetadata() == null ? null : t.getMetadata().getLabels()).addToLabels(HASH, hash)
                .withAnnotations(t.getMetadata() == null ? null : t.getMetadata().getAnnotations())
                .withOwnerReferences(Pods.newControllerRef(ds, "apps/v1", "DaemonSet")).endMetadata()
                .withSpec(t.getSpec())
                .editSpec().withTolerations(daemonTolerations(t.getSpec().getTolerations()))
                .editOrNewAffinity().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().withMatchFields(new NodeSelectorRequirementBuilder().withKey("metadata.name").withOperator("In").withValues(node).build())
                .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec()
                .build();
    }
}
