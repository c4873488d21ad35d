package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static io.wharf.controllers.DeploymentUtil.*;

/**
 * The Deployment controller (pkg/controller/deployment): one ReplicaSet per distinct pod template (compared by
 * meaning), named {@code <deployment>-<pod-template-hash>}; RollingUpdate within maxSurge/maxUnavailable and Recreate;
 * proportional scaling; revision annotations (a rolled-back template revives its old ReplicaSet with the next
 * revision); change-cause and other annotations copied to the new ReplicaSet; revisionHistoryLimit cleanup; paused;
 * Progressing/Available conditions with progressDeadlineSeconds; ScalingReplicaSet events as Kubernetes 1.27+ words
 * them ("Scaled up replica set web-5d4f8 from 0 to 3").
 */
public final class DeploymentController extends Controller {
    static final String COMPONENT = "deployment-controller";
    private static final Set<String> ANNOTATIONS_NOT_COPIED = Set.of(LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO);

    private final Informers informers;
    private final ApiWriter writer;
    private final EventRecorder events;
    private final Clock clock;

    public DeploymentController(Informers informers, ApiWriter writer, Clock clock, int workers) {
        super(COMPONENT, workers);
        this.informers = informers;
        this.writer = writer;
        this.clock = clock;
        this.events = new EventRecorder(writer, COMPONENT, clock);
        informers.of(Deployment.class).addEventHandler(enqueueSelf());
        informers.of(ReplicaSet.class).addEventHandler(enqueue(this::ownerKeys));
        // pods only matter to Recreate (waits for old pods to be gone)
        informers.of(Pod.class).addEventHandler(enqueue(p -> {
            OwnerReference r = Pods.controllerRef(p);
            if (r == null || !"ReplicaSet".equals(r.getKind())) return List.of();
            ReplicaSet rs = informers.get(ReplicaSet.class, p.getMetadata().getNamespace(), r.getName());
            if (rs == null) return List.of();
            return p.getMetadata().getDeletionTimestamp() != null || !Pods.isActive(p) ? ownerKeys(rs) : List.of();
        }));
    }

    private List<String> ownerKeys(ReplicaSet rs) {
        OwnerReference r = Pods.controllerRef(rs);
        if (r != null) return "Deployment".equals(r.getKind()) ? List.of(rs.getMetadata().getNamespace() + "/" + r.getName()) : List.of();
        List<String> keys = new ArrayList<>();
        for (Deployment d : informers.list(Deployment.class, rs.getMetadata().getNamespace()))
            if (!Pods.selectorEmpty(d.getSpec().getSelector()) && Pods.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels()))
                keys.add(key(d));
        return keys;
    }

    @Override
    protected void onStart() {
        informers.list(Deployment.class).forEach(d -> queue.add(key(d)));
    }

    /** The mutable state of one reconcile: the deployment as it will be written (annotations, status). */
    private final class Sync {
        final String key;
        Deployment d;
        final Deployment original;
        List<ReplicaSet> rsList;
        Integer collisionCount;
        final List<DeploymentCondition> conditions = new ArrayList<>();

        Sync(String key, Deployment d, List<ReplicaSet> rsList) {
            this.key = key;
            this.d = d;
            this.original = d;
            this.rsList = new ArrayList<>(rsList);
            this.collisionCount = d.getStatus() == null ? null : d.getStatus().getCollisionCount();
            if (d.getStatus() != null && d.getStatus().getConditions() != null) conditions.addAll(d.getStatus().getConditions());
        }
    }

    @Override
    public void reconcile(String key) throws Exception {
        Deployment d = informers.get(Deployment.class, key);
        if (d == null) return;
        LabelSelector sel = d.getSpec().getSelector();
        if (Pods.selectorEmpty(sel)) {
            events.event(d, EventRecorder.WARNING, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            return;
        }
        Sync s = new Sync(key, d, claimReplicaSets(d));
        if (d.getMetadata().getDeletionTimestamp() != null) {
            syncStatusOnly(s);
            return;
        }
        checkPausedConditions(s);
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            syncScale(s);
            return;
        }
        if (isScalingEvent(s)) {
            syncScale(s);
            return;
        }
        if (isRolling(d)) rolloutRolling(s);
        else rolloutRecreate(s);
    }

    private List<ReplicaSet> claimReplicaSets(Deployment d) {
        List<ReplicaSet> out = new ArrayList<>();
        for (ReplicaSet rs : informers.list(ReplicaSet.class, d.getMetadata().getNamespace())) {
            OwnerReference r = Pods.controllerRef(rs);
            if (r != null) {
                if (d.getMetadata().getUid().equals(r.getUid())) out.add(rs);
                continue;
            }
            if (d.getMetadata().getDeletionTimestamp() != null || rs.getMetadata().getDeletionTimestamp() != null) continue;
            if (!Pods.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels())) continue;
            try {
                out.add(writer.update(new ReplicaSetBuilder(rs).editMetadata()
                        .addToOwnerReferences(Pods.newControllerRef(d, "apps/v1", "Deployment")).endMetadata().build()));
            } catch (KubernetesClientException e) {
                // changed meanwhile; the next pass sees it
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------- new / old sets

    private ReplicaSet findNewReplicaSet(Sync s) {
        return s.rsList.stream().sorted(Comparator.comparing(Pods::created).thenComparing(rs -> rs.getMetadata().getName()))
                .filter(rs -> equalIgnoreHash(rs.getSpec().getTemplate(), s.d.getSpec().getTemplate())).findFirst().orElse(null);
    }

    private List<ReplicaSet> oldReplicaSets(Sync s, ReplicaSet newRS) {
        return s.rsList.stream().filter(rs -> newRS == null || !rs.getMetadata().getUid().equals(newRS.getMetadata().getUid())).toList();
    }

    /**
     * getNewReplicaSet: finds the ReplicaSet of the current template and brings its revision annotations up to date,
     * or creates it when asked. Also sets the deployment's own revision annotation.
     */
    private ReplicaSet getNewReplicaSet(Sync s, boolean create) throws Exception {
        ReplicaSet existing = findNewReplicaSet(s);
        List<ReplicaSet> old = oldReplicaSets(s, existing);
        long maxOld = old.stream().mapToLong(DeploymentUtil::revision).max().orElse(0);
        String newRevision = Long.toString(maxOld + 1);
        if (existing != null) {
            ReplicaSetBuilder b = new ReplicaSetBuilder(existing);
            ReplicaSet copy = b.build();
            boolean changed = setNewReplicaSetAnnotations(s.d, copy, newRevision, true);
            int minReady = z(s.d.getSpec().getMinReadySeconds());
            if (z(copy.getSpec().getMinReadySeconds()) != minReady) {
                copy.getSpec().setMinReadySeconds(minReady);
                changed = true;
            }
            if (changed) existing = replaceRS(s, writer.update(copy));
            setDeploymentRevision(s, existing.getMetadata().getAnnotations().get(REVISION));
            if (condition(s, "Progressing") == null && s.d.getSpec().getProgressDeadlineSeconds() != null)
                setCondition(s, "Progressing", "True", "FoundNewReplicaSet", "Found new replica set \"" + existing.getMetadata().getName() + "\"");
            return existing;
        }
        if (!create) return null;
        PodTemplateSpec template = new PodTemplateSpecBuilder(s.d.getSpec().getTemplate()).build();
        String hash = computeHash(template, s.collisionCount);
        Map<String, String> labels = new LinkedHashMap<>(Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of()));
        labels.put(POD_TEMPLATE_HASH, hash);
        template = new PodTemplateSpecBuilder(template).editMetadata().withLabels(labels).endMetadata().build();
        LabelSelector sel = new LabelSelectorBuilder(s.d.getSpec().getSelector()).addToMatchLabels(POD_TEMPLATE_HASH, hash).build();
        ReplicaSet rs = new ReplicaSetBuilder()
                .withApiVersion("apps/v1").withKind("ReplicaSet")
                .withNewMetadata().withName(s.d.getMetadata().getName() + "-" + hash).withNamespace(s.d.getMetadata().getNamespace())
                .withOwnerReferences(Pods.newControllerRef(s.d, "apps/v1", "Deployment")).withLabels(labels).endMetadata()
                .withNewSpec().withReplicas(0).withMinReadySeconds(z(s.d.getSpec().getMinReadySeconds())).withSelector(sel).withTemplate(template).endSpec()
                .build();
        int newReplicas = newRSNewReplicas(s.d, s.rsList, rs);
        rs.getSpec().setReplicas(newReplicas);
        setNewReplicaSetAnnotations(s.d, rs, newRevision, false);
        setReplicasAnnotations(rs, replicas(s.d), replicas(s.d) + maxSurge(s.d));
        ReplicaSet created;
        try {
            created = writer.create(rs);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) throw e;
            ReplicaSet there = writer.client().apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).get();
            OwnerReference ref = there == null ? null : Pods.controllerRef(there);
            if (there != null && ref != null && s.d.getMetadata().getUid().equals(ref.getUid())
                    && equalIgnoreHash(there.getSpec().getTemplate(), s.d.getSpec().getTemplate())) {
                s.rsList.add(there);
                return there;
            }
            // a hash collision with a foreign or different ReplicaSet: bump collisionCount and retry
            s.collisionCount = s.collisionCount == null ? 1 : s.collisionCount + 1;
            writeStatus(s, calculateStatus(s, s.rsList, null));
            throw new IllegalStateException("hash collision for " + rs.getMetadata().getName() + "; collisionCount now " + s.collisionCount);
        }
        s.rsList.add(created);
        if (newReplicas > 0)
            events.event(s.d, EventRecorder.NORMAL, "ScalingReplicaSet", "Scaled up replica set " + created.getMetadata().getName() + " from 0 to " + newReplicas);
        setDeploymentRevision(s, newRevision);
        if (s.d.getSpec().getProgressDeadlineSeconds() != null)
            setCondition(s, "Progressing", "True", "NewReplicaSetCreated", "Created new replica set \"" + created.getMetadata().getName() + "\"");
        return created;
    }

    private ReplicaSet replaceRS(Sync s, ReplicaSet updated) {
        s.rsList.replaceAll(r -> r.getMetadata().getUid().equals(updated.getMetadata().getUid()) ? updated : r);
        return updated;
    }

    /** deploymentutil.SetNewReplicaSetAnnotations: copies the deployment's annotations and raises the revision. */
    private static boolean setNewReplicaSetAnnotations(Deployment d, ReplicaSet rs, String newRevision, boolean exists) {
        Map<String, String> a = new LinkedHashMap<>(Objects.requireNonNullElse(rs.getMetadata().getAnnotations(), Map.of()));
        boolean changed = false;
        for (var e : Objects.requireNonNullElse(d.getMetadata().getAnnotations(), Map.<String, String>of()).entrySet()) {
            if (ANNOTATIONS_NOT_COPIED.contains(e.getKey())) continue;
            if (!e.getValue().equals(a.get(e.getKey()))) {
                a.put(e.getKey(), e.getValue());
                changed = true;
            }
        }
        String oldRevision = a.get(REVISION);
        long oldRev = 0;
        try {
            oldRev = oldRevision == null ? 0 : Long.parseLong(oldRevision);
        } catch (NumberFormatException ignored) { /* treat as 0 */ }
        if (oldRev < Long.parseLong(newRevision)) {
            a.put(REVISION, newRevision);
            changed = true;
            if (oldRevision != null && !oldRevision.isEmpty()) {
                String h = a.get(REVISION_HISTORY);
                a.put(REVISION_HISTORY, h == null || h.isEmpty() ? oldRevision : h + "," + oldRevision);
            }
        }
        if (!exists) {
            changed = true;
        }
        rs.getMetadata().setAnnotations(a);
        return changed;
    }

    private static boolean setReplicasAnnotations(ReplicaSet rs, int desired, int max) {
        Map<String, String> a = new LinkedHashMap<>(Objects.requireNonNullElse(rs.getMetadata().getAnnotations(), Map.of()));
        boolean changed = !String.valueOf(desired).equals(a.get(DESIRED_REPLICAS)) || !String.valueOf(max).equals(a.get(MAX_REPLICAS));
        a.put(DESIRED_REPLICAS, String.valueOf(desired));
        a.put(MAX_REPLICAS, String.valueOf(max));
        rs.getMetadata().setAnnotations(a);
        return changed;
    }

    /** The deployment carries the revision of its current ReplicaSet (written with a plain update: it is metadata). */
    private void setDeploymentRevision(Sync s, String revision) {
        Map<String, String> a = Objects.requireNonNullElse(s.d.getMetadata().getAnnotations(), Map.of());
        if (revision == null || revision.equals(a.get(REVISION))) return;
        Deployment copy = new DeploymentBuilder(s.d).editMetadata().addToAnnotations(REVISION, revision).endMetadata().build();
        s.d = writer.update(copy);
    }

    // ------------------------------------------------------------------------------------------- scaling

    private boolean isScalingEvent(Sync s) throws Exception {
        getNewReplicaSet(s, false); // brings the current set's revision annotations up to date first, as Kubernetes does
        for (ReplicaSet rs : s.rsList) {
            if (specReplicas(rs) <= 0) continue;
            String desired = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(DESIRED_REPLICAS);
            if (desired == null) continue;
            if (!desired.equals(String.valueOf(replicas(s.d)))) return true;
        }
        return false;
    }

    /** sync(): scale (proportionally during a rollout), clean up when paused, then write status. */
    private void syncScale(Sync s) throws Exception {
        ReplicaSet newRS = getNewReplicaSet(s, false);
        List<ReplicaSet> old = oldReplicaSets(s, newRS);
        scale(s, newRS, old);
        if (Boolean.TRUE.equals(s.d.getSpec().getPaused())) cleanup(s, oldReplicaSets(s, newRS));
        syncStatusOnly(s);
    }

    private void scale(Sync s, ReplicaSet newRS, List<ReplicaSet> old) {
        int desired = replicas(s.d);
        List<ReplicaSet> active = s.rsList.stream().filter(rs -> specReplicas(rs) > 0).toList();
        ReplicaSet target = null;
        if (active.size() == 1) target = active.getFirst();
        else if (active.isEmpty()) target = newRS != null ? newRS
                : s.rsList.stream().max(Comparator.comparing(Pods::created)).orElse(null);
        if (target != null || active.size() <= 1) {
            if (target != null) scaleReplicaSet(s, target, desired);
            return;
        }
        if (newRS != null && specReplicas(newRS) == desired && statusAvailable(newRS) == desired) {
            for (ReplicaSet rs : old) if (specReplicas(rs) != 0) scaleReplicaSet(s, rs, 0);
            return;
        }
        if (!isRolling(s.d)) return;
        int allowed = desired > 0 ? desired + maxSurge(s.d) : 0;
        int total = active.stream().mapToInt(DeploymentUtil::specReplicas).sum();
        int toAdd = allowed - total;
        if (toAdd == 0) return;
        // proportional scaling (deploymentutil.GetReplicaSetProportion): each set's share of the new size by its
        // max-replicas annotation, larger sets first (newer on ties when growing, older when shrinking), the
        // rounding leftover to the first one
        List<ReplicaSet> sorted = new ArrayList<>(active);
        Comparator<ReplicaSet> bySize = Comparator.comparingInt(DeploymentUtil::specReplicas).reversed();
        sorted.sort(toAdd > 0 ? bySize.thenComparing(Pods::created, Comparator.reverseOrder()) : bySize.thenComparing(Pods::created));
        Map<String, Integer> next = new LinkedHashMap<>();
        int added = 0;
        for (ReplicaSet rs : sorted) {
            int share = 0;
            if (specReplicas(rs) != 0 && toAdd != added) {
                int fraction = fraction(s, rs);
                int allowedLeft = toAdd - added;
                share = toAdd > 0 ? Math.min(fraction, allowedLeft) : Math.max(fraction, allowedLeft);
            }
            next.put(rs.getMetadata().getUid(), specReplicas(rs) + share);
            added += share;
        }
        ReplicaSet first = sorted.getFirst();
        next.merge(first.getMetadata().getUid(), toAdd - added, Integer::sum);
        for (ReplicaSet rs : sorted) scaleReplicaSet(s, rs, Math.max(0, next.get(rs.getMetadata().getUid())));
    }

    /** getReplicaSetFraction: round(rs * (replicas + maxSurge) / max-replicas annotation) - rs. */
    private static int fraction(Sync s, ReplicaSet rs) {
        if (replicas(s.d) == 0) return -specReplicas(rs);
        int deploymentReplicas = replicas(s.d) + maxSurge(s.d);
        int annotated;
        try {
            annotated = Integer.parseInt(rs.getMetadata().getAnnotations().get(MAX_REPLICAS));
        } catch (RuntimeException e) {
            annotated = s.d.getStatus() == null ? 0 : statusInt(s.d.getStatus().getReplicas());
        }
        if (annotated == 0) return 0;
        return (int) Math.round((double) specReplicas(rs) * deploymentReplicas / annotated) - specReplicas(rs);
    }

    private static int statusAvailable(ReplicaSet rs) {
        return rs.getStatus() == null ? 0 : statusInt(rs.getStatus().getAvailableReplicas());
    }

    /** Scales the set and keeps its desired/max annotations current; the event as Kubernetes 1.27+ words it. */
    private ReplicaSet scaleReplicaSet(Sync s, ReplicaSet rs, int newScale) {
        int oldScale = specReplicas(rs);
        ReplicaSet copy = new ReplicaSetBuilder(rs).build();
        boolean annotations = setReplicasAnnotations(copy, replicas(s.d), replicas(s.d) + maxSurge(s.d));
        if (oldScale == newScale && !annotations) return rs;
        copy.getSpec().setReplicas(newScale);
        ReplicaSet out = replaceRS(s, writer.update(copy));
        if (oldScale != newScale)
            events.event(s.d, EventRecorder.NORMAL, "ScalingReplicaSet",
                    "Scaled " + (oldScale < newScale ? "up" : "down") + " replica set " + rs.getMetadata().getName() + " from " + oldScale + " to " + newScale);
        return out;
    }

    // ------------------------------------------------------------------------------------------- rolling update

    private void rolloutRolling(Sync s) throws Exception {
        ReplicaSet newRS = getNewReplicaSet(s, true);
        List<ReplicaSet> old = oldReplicaSets(s, newRS);
        if (reconcileNewReplicaSet(s, newRS)) {
            syncRolloutStatus(s, findByUid(s, newRS));
            return;
        }
        newRS = findByUid(s, newRS);
        if (reconcileOldReplicaSets(s, newRS, oldReplicaSets(s, newRS))) {
            syncRolloutStatus(s, findByUid(s, newRS));
            return;
        }
        if (complete(s, calculateStatus(s, s.rsList, newRS))) cleanup(s, old);
        syncRolloutStatus(s, findByUid(s, newRS));
    }

    private ReplicaSet findByUid(Sync s, ReplicaSet rs) {
        if (rs == null) return null;
        for (ReplicaSet r : s.rsList) if (r.getMetadata().getUid().equals(rs.getMetadata().getUid())) return r;
        return rs;
    }

    private boolean reconcileNewReplicaSet(Sync s, ReplicaSet newRS) {
        int desired = replicas(s.d);
        if (specReplicas(newRS) == desired) return false;
        if (specReplicas(newRS) > desired) {
            scaleReplicaSet(s, newRS, desired);
            return true;
        }
        int n = newRSNewReplicas(s.d, s.rsList, newRS);
        return scaleReplicaSet(s, newRS, n) != newRS && n != specReplicas(newRS);
    }

    private boolean reconcileOldReplicaSets(Sync s, ReplicaSet newRS, List<ReplicaSet> old) {
        int oldPods = old.stream().mapToInt(DeploymentUtil::specReplicas).sum();
        if (oldPods == 0) return false;
        int all = s.rsList.stream().mapToInt(DeploymentUtil::specReplicas).sum();
        int minAvailable = replicas(s.d) - maxUnavailable(s.d);
        int newUnavailable = specReplicas(newRS) - statusAvailable(newRS);
        int maxScaledDown = all - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) return false;
        // first the old sets' unhealthy replicas: they do not count towards availability anyway
        int cleaned = 0;
        List<ReplicaSet> byAge = new ArrayList<>(old);
        byAge.sort(Comparator.comparing(Pods::created));
        for (ReplicaSet rs : byAge) {
            if (cleaned >= maxScaledDown) break;
            int spec = specReplicas(rs), avail = statusAvailable(rs);
            if (spec == 0 || spec == avail) continue;
            int down = Math.min(maxScaledDown - cleaned, spec - avail);
            scaleReplicaSet(s, rs, spec - down);
            cleaned += down;
        }
        // then available old replicas, as far as minAvailable allows
        List<ReplicaSet> current = s.rsList;
        int available = current.stream().mapToInt(DeploymentController::statusAvailable).sum();
        int scaledDown = 0;
        if (available > minAvailable) {
            int total = Math.min(available - minAvailable, maxScaledDown - cleaned);
            for (ReplicaSet rs0 : byAge) {
                ReplicaSet rs = findByUid(s, rs0);
                if (total <= 0) break;
                if (specReplicas(rs) == 0) continue;
                int down = Math.min(specReplicas(rs), total);
                scaleReplicaSet(s, rs, specReplicas(rs) - down);
                total -= down;
                scaledDown += down;
            }
        }
        return cleaned + scaledDown > 0;
    }

    // ------------------------------------------------------------------------------------------- recreate

    private void rolloutRecreate(Sync s) throws Exception {
        ReplicaSet newRS = getNewReplicaSet(s, false);
        List<ReplicaSet> old = oldReplicaSets(s, newRS);
        boolean scaledDown = false;
        for (ReplicaSet rs : old) if (specReplicas(rs) > 0) {
            scaleReplicaSet(s, rs, 0);
            scaledDown = true;
        }
        if (scaledDown) {
            syncRolloutStatus(s, newRS);
            return;
        }
        Set<String> oldUids = new java.util.HashSet<>();
        for (ReplicaSet rs : old) oldUids.add(rs.getMetadata().getUid());
        for (Pod p : informers.list(Pod.class, s.d.getMetadata().getNamespace())) {
            OwnerReference r = Pods.controllerRef(p);
            if (r != null && oldUids.contains(r.getUid()) && p.getStatus() != null
                    && !"Succeeded".equals(p.getStatus().getPhase()) && !"Failed".equals(p.getStatus().getPhase())) {
                syncRolloutStatus(s, newRS);
                return;
            }
        }
        if (newRS == null) newRS = getNewReplicaSet(s, true);
        newRS = findByUid(s, newRS);
        if (specReplicas(newRS) != replicas(s.d)) {
            scaleReplicaSet(s, newRS, replicas(s.d));
            syncRolloutStatus(s, findByUid(s, newRS));
            return;
        }
        if (complete(s, calculateStatus(s, s.rsList, newRS))) cleanup(s, oldReplicaSets(s, newRS));
        syncRolloutStatus(s, findByUid(s, newRS));
    }

    // ------------------------------------------------------------------------------------------- cleanup, status

    private void cleanup(Sync s, List<ReplicaSet> old) {
        Integer limit = s.d.getSpec().getRevisionHistoryLimit();
        if (limit == null) return;
        List<ReplicaSet> cleanable = new ArrayList<>(old.stream().filter(rs -> rs.getMetadata().getDeletionTimestamp() == null).toList());
        int diff = cleanable.size() - limit;
        if (diff <= 0) return;
        cleanable.sort(Comparator.comparingLong(DeploymentUtil::revision).thenComparing(Pods::created));
        for (int i = 0; i < diff; i++) {
            ReplicaSet rs = cleanable.get(i);
            boolean busy = (rs.getStatus() != null && statusInt(rs.getStatus().getReplicas()) != 0) || specReplicas(rs) != 0
                    || (rs.getStatus() != null && rs.getMetadata().getGeneration() != null
                        && rs.getMetadata().getGeneration() > Objects.requireNonNullElse(rs.getStatus().getObservedGeneration(), 0L));
            if (busy) continue;
            try {
                writer.delete(rs);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) throw e;
            }
        }
    }

    private void checkPausedConditions(Sync s) {
        if (s.d.getSpec().getProgressDeadlineSeconds() == null) return;
        DeploymentCondition c = condition(s, "Progressing");
        if (c != null && "ProgressDeadlineExceeded".equals(c.getReason())) return;
        boolean paused = Boolean.TRUE.equals(s.d.getSpec().getPaused());
        boolean pausedCond = c != null && "DeploymentPaused".equals(c.getReason());
        if (paused && !pausedCond) setCondition(s, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
        else if (!paused && pausedCond) setCondition(s, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed");
    }

    private boolean complete(Sync s, DeploymentStatus st) {
        int r = replicas(s.d);
        return statusInt(st.getUpdatedReplicas()) == r && statusInt(st.getReplicas()) == r && statusInt(st.getAvailableReplicas()) == r
                && st.getObservedGeneration() != null && st.getObservedGeneration() >= Objects.requireNonNullElse(s.d.getMetadata().getGeneration(), 0L);
    }

    private DeploymentStatus calculateStatus(Sync s, List<ReplicaSet> all, ReplicaSet newRS) {
        int available = 0, total = 0, actual = 0, ready = 0;
        for (ReplicaSet rs : all) {
            total += specReplicas(rs);
            if (rs.getStatus() != null) {
                available += statusInt(rs.getStatus().getAvailableReplicas());
                actual += statusInt(rs.getStatus().getReplicas());
                ready += statusInt(rs.getStatus().getReadyReplicas());
            }
        }
        int updated = newRS == null || newRS.getStatus() == null ? 0 : statusInt(newRS.getStatus().getReplicas());
        if (available >= replicas(s.d) - maxUnavailable(s.d))
            setCondition(s, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
        else
            setCondition(s, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.");
        return new DeploymentStatusBuilder()
                .withObservedGeneration(s.d.getMetadata().getGeneration())
                .withReplicas(actual).withUpdatedReplicas(updated).withReadyReplicas(ready).withAvailableReplicas(available)
                .withUnavailableReplicas(Math.max(0, total - available))
                .withCollisionCount(s.collisionCount)
                .withConditions(new ArrayList<>(s.conditions)).build();
    }

    private void syncStatusOnly(Sync s) throws Exception {
        ReplicaSet newRS = getNewReplicaSet(s, false);
        writeStatus(s, calculateStatus(s, s.rsList, newRS));
    }

    /** syncRolloutStatus: the Progressing condition from the progress made, then the status write if anything changed. */
    private void syncRolloutStatus(Sync s, ReplicaSet newRS) {
        DeploymentStatus st = calculateStatus(s, s.rsList, newRS);
        Integer deadline = s.d.getSpec().getProgressDeadlineSeconds();
        DeploymentCondition cur = condition(s, "Progressing");
        boolean paused = Boolean.TRUE.equals(s.d.getSpec().getPaused());
        if (deadline != null && !paused && newRS != null && !(cur != null && "ProgressDeadlineExceeded".equals(cur.getReason()) && !complete(s, st))) {
            String name = newRS.getMetadata().getName();
            if (complete(s, st)) {
                setCondition(s, "Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"" + name + "\" has successfully progressed.");
            } else if (progressing(s.d, st)) {
                if (cur != null && "True".equals(cur.getStatus())) s.conditions.remove(cur);
                DeploymentCondition c = newCondition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"" + name + "\" is progressing.");
                if (cur != null && "True".equals(cur.getStatus())) c.setLastTransitionTime(cur.getLastTransitionTime());
                s.conditions.add(c);
            } else if (cur != null && timedOut(cur, deadline)) {
                setCondition(s, "Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \"" + name + "\" has timed out progressing.");
            }
            DeploymentCondition now = condition(s, "Progressing");
            if (now != null && !complete(s, st) && !"ProgressDeadlineExceeded".equals(now.getReason())) {
                Instant last = Pods.parseTime(now.getLastUpdateTime());
                if (last != null) {
                    Duration left = Duration.between(clock.instant(), last.plusSeconds(deadline));
                    requeueAfter(s.key, left.isNegative() ? Duration.ofSeconds(1) : left.plusSeconds(1));
                }
            }
        }
        st = new DeploymentStatusBuilder(st).withConditions(new ArrayList<>(s.conditions)).build();
        writeStatus(s, st);
        int minReady = z(s.d.getSpec().getMinReadySeconds());
        if (minReady > 0 && newRS != null && !complete(s, st)) requeueAfter(s.key, Duration.ofSeconds(minReady));
    }

    private boolean progressing(Deployment d, DeploymentStatus n) {
        DeploymentStatus o = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        int newOld = statusInt(n.getReplicas()) - statusInt(n.getUpdatedReplicas());
        int oldOld = statusInt(o.getReplicas()) - statusInt(o.getUpdatedReplicas());
        return statusInt(n.getUpdatedReplicas()) > statusInt(o.getUpdatedReplicas()) || newOld < oldOld
                || statusInt(n.getReadyReplicas()) > statusInt(o.getReadyReplicas())
                || statusInt(n.getAvailableReplicas()) > statusInt(o.getAvailableReplicas());
    }

    private boolean timedOut(DeploymentCondition c, int deadline) {
        if ("NewReplicaSetAvailable".equals(c.getReason()) || "ProgressDeadlineExceeded".equals(c.getReason())) return false;
        Instant last = Pods.parseTime(c.getLastUpdateTime());
        return last != null && last.plusSeconds(deadline).isBefore(clock.instant());
    }

    private void writeStatus(Sync s, DeploymentStatus st) {
        DeploymentStatus old = s.d.getStatus();
        if (old != null && statusEquals(old, st)) return;
        s.d = writer.updateStatus(new DeploymentBuilder(s.d).withStatus(st).build());
    }

    private static boolean statusEquals(DeploymentStatus a, DeploymentStatus b) {
        return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
                && statusInt(a.getReplicas()) == statusInt(b.getReplicas()) && statusInt(a.getUpdatedReplicas()) == statusInt(b.getUpdatedReplicas())
                && statusInt(a.getReadyReplicas()) == statusInt(b.getReadyReplicas()) && statusInt(a.getAvailableReplicas()) == statusInt(b.getAvailableReplicas())
                && statusInt(a.getUnavailableReplicas()) == statusInt(b.getUnavailableReplicas())
                && Objects.equals(a.getCollisionCount(), b.getCollisionCount())
                && Objects.equals(ReplicaSetController.emptyToNull(a.getConditions()), ReplicaSetController.emptyToNull(b.getConditions()));
    }

    private DeploymentCondition condition(Sync s, String type) {
        for (DeploymentCondition c : s.conditions) if (type.equals(c.getType())) return c;
        return null;
    }

    private DeploymentCondition newCondition(String type, String status, String reason, String message) {
        String ts = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastUpdateTime(ts).withLastTransitionTime(ts).build();
    }

    /** deploymentutil.SetDeploymentCondition: no change for the same status and reason; keeps the transition time for the same status. */
    private void setCondition(Sync s, String type, String status, String reason, String message) {
        DeploymentCondition cur = condition(s, type);
        if (cur != null && cur.getStatus().equals(status) && Objects.equals(cur.getReason(), reason)) return;
        DeploymentCondition c = newCondition(type, status, reason, message);
        if (cur != null && cur.getStatus().equals(status)) c.setLastTransitionTime(cur.getLastTransitionTime());
        // filterOutCondition + append, as Kubernetes does: a replaced condition moves to the end
        if (cur != null) s.conditions.remove(cur);
        s.conditions.add(c);
    }

    static int z(Integer i) { return i == null ? 0 : i; }
}
