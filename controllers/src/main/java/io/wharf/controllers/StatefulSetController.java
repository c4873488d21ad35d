package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The StatefulSet controller (pkg/controller/statefulset): pods {@code <set>-0 .. <set>-(n-1)} with stable names,
 * hostname/subdomain and the pod-name / pod-index labels; one PersistentVolumeClaim per volumeClaimTemplate and
 * ordinal ({@code <claim>-<set>-<ordinal>}, kept on scale-down as the default Retain policy does).
 * OrderedReady: creates in ordinal order, each only when all lower ones are Running and Ready, and removes from the
 * highest ordinal down, one at a time; Parallel: all at once. RollingUpdate replaces outdated pods from the highest
 * ordinal down to {@code partition}, one at a time, each only when the rest are ready; OnDelete leaves them.
 * Revisions are named {@code <set>-<hash>}; no ControllerRevision objects are written.
 */
public final class StatefulSetController extends Controller {
    static final String HASH = "controller-revision-hash";
    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Clock clock;

    public StatefulSetController(Informers informers, ApiWriter writer, Clock clock, int workers) {
        super("statefulset-controller", workers);
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        this.events = new EventRecorder(writer, "statefulset-controller", clock);
        informers.of(StatefulSet.class).addEventHandler(enqueueSelf());
        informers.of(io.fabric8.kubernetes.api.model.apps.ControllerRevision.class);
        informers.of(Pod.class).addEventHandler(enqueue(p -> {
            OwnerReference r = Pods.controllerRef(p);
            return r == null || !"StatefulSet".equals(r.getKind()) ? List.of() : List.of(p.getMetadata().getNamespace() + "/" + r.getName());
        }));
    }

    @Override
    protected void onStart() {
        informers.list(StatefulSet.class).forEach(s -> queue.add(key(s)));
    }

    static int ordinal(StatefulSet set, Pod p) {
        String prefix = set.getMetadata().getName() + "-";
        String n = p.getMetadata().getName();
        if (!n.startsWith(prefix)) return -1;
        try {
            return Integer.parseInt(n.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean runningAndReady(Pod p) {
        return p.getStatus() != null && "Running".equals(p.getStatus().getPhase()) && Pods.isReady(p) && p.getMetadata().getDeletionTimestamp() == null;
    }

    @Override
    public void reconcile(String key) {
        StatefulSet set = informers.get(StatefulSet.class, key);
        if (set == null || set.getMetadata().getDeletionTimestamp() != null) return;
        String ns = set.getMetadata().getNamespace();
        int replicas = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
        String revision = set.getMetadata().getName() + "-" + DeploymentUtil.computeHash(set.getSpec().getTemplate(),
                set.getStatus() == null ? null : set.getStatus().getCollisionCount());
        TreeMap<Integer, Pod> pods = new TreeMap<>();
        List<Pod> strays = new ArrayList<>();
        for (Pod p : informers.list(Pod.class, ns)) {
            OwnerReference r = Pods.controllerRef(p);
            if (r == null || !set.getMetadata().getUid().equals(r.getUid())) continue;
            int o = ordinal(set, p);
            if (o < 0) strays.add(p);
            else pods.put(o, p);
        }
        java.util.Set<String> live = new java.util.HashSet<>();
        for (Pod p : pods.values())
            if (label(p) != null && label(p).startsWith(set.getMetadata().getName() + "-")) live.add(label(p).substring(set.getMetadata().getName().length() + 1));
        String hashOnly = revision.substring(set.getMetadata().getName().length() + 1);
        Revisions.sync(informers, writer, set, "apps/v1", "StatefulSet", set.getSpec().getSelector(), set.getSpec().getTemplate(),
                revision, hashOnly, set.getSpec().getRevisionHistoryLimit(), live);
        boolean parallel = "Parallel".equals(set.getSpec().getPodManagementPolicy());
        boolean acted = false;
        // failed pods are deleted to be recreated
        for (Pod p : pods.values())
            if (p.getStatus() != null && "Failed".equals(p.getStatus().getPhase()) && p.getMetadata().getDeletionTimestamp() == null) {
                delete(set, p);
                acted = true;
            }
        for (Pod p : strays) delete(set, p);
        // create missing ordinals
        for (int i = 0; i < replicas && (!acted || parallel); i++) {
            Pod p = pods.get(i);
            if (p == null) {
                createClaims(set, i);
                Pod out = writer.create(newPod(set, i, revision));
                events.event(set, EventRecorder.NORMAL, "SuccessfulCreate", "create Pod " + out.getMetadata().getName() + " in StatefulSet " + set.getMetadata().getName() + " successful");
                acted = true;
                if (!parallel) break;
                continue;
            }
            if (!parallel && !runningAndReady(p)) {
                acted = true; // wait for this ordinal before creating the next
                break;
            }
        }
        // scale down: highest ordinal first
        if (!acted || parallel) {
            for (int o : pods.descendingKeySet()) {
                if (o < replicas) break;
                Pod p = pods.get(o);
                if (p.getMetadata().getDeletionTimestamp() != null) {
                    if (!parallel) {
                        acted = true;
                        break;
                    }
                    continue;
                }
                if (!parallel && pods.headMap(replicas).values().stream().anyMatch(x -> !runningAndReady(x))) break;
                delete(set, p);
                acted = true;
                if (!parallel) break;
            }
        }
        // rolling update from the highest ordinal down to the partition
        String strategy = set.getSpec().getUpdateStrategy() == null || set.getSpec().getUpdateStrategy().getType() == null ? "RollingUpdate"
                : set.getSpec().getUpdateStrategy().getType();
        int partition = set.getSpec().getUpdateStrategy() != null && set.getSpec().getUpdateStrategy().getRollingUpdate() != null
                && set.getSpec().getUpdateStrategy().getRollingUpdate().getPartition() != null ? set.getSpec().getUpdateStrategy().getRollingUpdate().getPartition() : 0;
        if (!acted && "RollingUpdate".equals(strategy) && pods.headMap(replicas).values().stream().allMatch(StatefulSetController::runningAndReady)) {
            for (int o : pods.headMap(replicas, false).descendingKeySet()) {
                if (o < partition) break;
                Pod p = pods.get(o);
                if (!revision.equals(label(p))) {
                    delete(set, p);
                    break;
                }
            }
        }
        // status
        Instant now = clock.instant();
        int minReady = set.getSpec().getMinReadySeconds() == null ? 0 : set.getSpec().getMinReadySeconds();
        int count = 0, ready = 0, available = 0, current = 0, updated = 0;
        String currentRevision = set.getStatus() == null || set.getStatus().getCurrentRevision() == null ? revision : set.getStatus().getCurrentRevision();
        for (Pod p : pods.values()) {
            if (!Pods.isActive(p)) continue;
            count++;
            if (Pods.isReady(p)) ready++;
            if (Pods.isAvailable(p, minReady, now)) available++;
            if (revision.equals(label(p))) updated++;
            if (currentRevision.equals(label(p))) current++;
        }
        if (updated == replicas && ready == replicas && count == replicas) {
            currentRevision = revision;
            current = updated;
        }
        StatefulSetStatus st = new StatefulSetStatusBuilder(set.getStatus() == null ? new StatefulSetStatus() : set.getStatus())
                .withObservedGeneration(set.getMetadata().getGeneration()).withReplicas(count).withReadyReplicas(ready)
                .withAvailableReplicas(available).withCurrentReplicas(current).withUpdatedReplicas(updated)
                .withCurrentRevision(currentRevision).withUpdateRevision(revision).build();
        if (!Objects.equals(st, set.getStatus())) writer.updateStatus(new StatefulSetBuilder(set).withStatus(st).build());
    }

    private static String label(Pod p) {
        return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(HASH);
    }

    private void delete(StatefulSet set, Pod p) {
        try {
            writer.delete(p);
            events.event(set, EventRecorder.NORMAL, "SuccessfulDelete", "delete Pod " + p.getMetadata().getName() + " in StatefulSet " + set.getMetadata().getName() + " successful");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) throw e;
        }
    }

    private void createClaims(StatefulSet set, int ordinal) {
        if (set.getSpec().getVolumeClaimTemplates() == null) return;
        for (PersistentVolumeClaim t : set.getSpec().getVolumeClaimTemplates()) {
            String name = t.getMetadata().getName() + "-" + set.getMetadata().getName() + "-" + ordinal;
            // looked up live, not through an informer: claims are created rarely, and not every API server serves them
            try {
                if (writer.client().persistentVolumeClaims().inNamespace(set.getMetadata().getNamespace()).withName(name).get() != null) continue;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    events.event(set, EventRecorder.WARNING, "FailedCreate", "create Claim " + name + " for Pod " + set.getMetadata().getName() + "-" + ordinal
                            + " in StatefulSet " + set.getMetadata().getName() + " failed error: the server could not find the requested resource");
                    return;
                }
                throw e;
            }
            Map<String, String> labels = new TreeMap<>(set.getSpec().getSelector().getMatchLabels() == null ? Map.of() : set.getSpec().getSelector().getMatchLabels());
            try {
                writer.create(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(set.getMetadata().getNamespace())
                        .withLabels(labels).endMetadata().withSpec(t.getSpec()).build());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) throw e;
            }
        }
    }

    private static Pod newPod(StatefulSet set, int ordinal, String revision) {
        var t = set.getSpec().getTemplate();
        String name = set.getMetadata().getName() + "-" + ordinal;
        PodBuilder b = new PodBuilder().withApiVersion("v1").withKind("Pod")
                .withNewMetadata().withName(name).withNamespace(set.getMetadata().getNamespace())
                .withLabels(t.getMetadata() == null ? null : t.getMetadata().getLabels())
                .addToLabels(HASH, revision).addToLabels("statefulset.kubernetes.io/pod-name", name).addToLabels("apps.kubernetes.io/pod-index", String.valueOf(ordinal))
                .withAnnotations(t.getMetadata() == null ? null : t.getMetadata().getAnnotations())
                .withOwnerReferences(Pods.newControllerRef(set, "apps/v1", "StatefulSet")).endMetadata()
                .withSpec(t.getSpec()).editSpec().withHostname(name).withSubdomain(set.getSpec().getServiceName()).endSpec();
        if (set.getSpec().getVolumeClaimTemplates() != null) {
            List<Volume> vols = new ArrayList<>(t.getSpec().getVolumes() == null ? List.of() : t.getSpec().getVolumes());
            for (PersistentVolumeClaim c : set.getSpec().getVolumeClaimTemplates()) {
                String vn = c.getMetadata().getName();
                vols.removeIf(v -> vn.equals(v.getName()));
                vols.add(new VolumeBuilder().withName(vn).withNewPersistentVolumeClaim().withClaimName(vn + "-" + set.getMetadata().getName() + "-" + ordinal).endPersistentVolumeClaim().build());
            }
            b.editSpec().withVolumes(vols).endSpec();
        }
        return b.build();
    }
}
