package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The garbage collector (pkg/controller/garbagecollector), for the workload types Wharf's controllers create:
 * <ul>
 *   <li>background: a dependent all of whose owners are gone (checked against the API by uid, not only the cache)
 *       is deleted; owner references to owners that are gone are dropped when other owners remain;</li>
 *   <li>foreground: an owner being deleted with the {@code foregroundDeletion} finalizer has its dependents deleted
 *       (foreground too) and loses the finalizer once none remain, so the API server removes it;</li>
 *   <li>orphan: an owner being deleted with the {@code orphan} finalizer has its references removed from its
 *       dependents, then loses the finalizer.</li>
 * </ul>
 * Queue keys: "D:&lt;Kind&gt;:&lt;ns/name&gt;" (check a dependent), "O:&lt;Kind&gt;:&lt;ns/name&gt;" (an owner being deleted).
 * Dependent types: Pod, ReplicaSet, Job, EndpointSlice, ControllerRevision; owner types: those plus Deployment,
 * DaemonSet, StatefulSet, CronJob, Service. Other owner kinds are looked up through the generic API.
 */
public final class GarbageCollector extends Controller {
    static final String OWNER_INDEX = "ownerUid";
    static final List<Class<? extends HasMetadata>> DEPENDENTS = List.of(Pod.class, ReplicaSet.class, Job.class, EndpointSlice.class, ControllerRevision.class);
    static final List<Class<? extends HasMetadata>> OWNERS = List.of(Deployment.class, ReplicaSet.class, DaemonSet.class, StatefulSet.class,
            Job.class, CronJob.class, Service.class, Pod.class);

    private final Informers informers;
    private final ApiWriter writer;

    public GarbageCollector(Informers informers, ApiWriter writer, int workers) {
        super("garbage-collector", workers);
        this.informers = informers;
        this.writer = writer;
        for (Class<? extends HasMetadata> t : DEPENDENTS) {
            var inf = informers.of(t);
            addOwnerIndex(inf);
            inf.addEventHandler(new ResourceEventHandler<HasMetadata>() {
                @Override public void onAdd(HasMetadata o) { dependent(o); }
                @Override public void onUpdate(HasMetadata a, HasMetadata b) { dependent(b); }
                @Override public void onDelete(HasMetadata o, boolean unknown) { ownerGone(o); }
            });
        }
        for (Class<? extends HasMetadata> t : OWNERS) {
            informers.of(t).addEventHandler(new ResourceEventHandler<HasMetadata>() {
                @Override public void onAdd(HasMetadata o) { owner(o); }
                @Override public void onUpdate(HasMetadata a, HasMetadata b) { owner(b); }
                @Override public void onDelete(HasMetadata o, boolean unknown) { ownerGone(o); }
            });
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void addOwnerIndex(io.fabric8.kubernetes.client.informers.SharedIndexInformer inf) {
        try {
            inf.addIndexers(Map.of(OWNER_INDEX, (java.util.function.Function<HasMetadata, List<String>>) o ->
                    o.getMetadata().getOwnerReferences() == null ? List.of()
                            : o.getMetadata().getOwnerReferences().stream().map(OwnerReference::getUid).toList()));
        } catch (IllegalStateException | IllegalArgumentException e) {
            // already added (several controllers share the informer) or already started: fine either way
        }
    }

    private static String k(String kind, HasMetadata o) { return kind + ":" + key(o); }

    private void dependent(HasMetadata o) {
        if (o.getMetadata().getOwnerReferences() != null && !o.getMetadata().getOwnerReferences().isEmpty())
            queue.add("D:" + k(o.getClass().getSimpleName(), o));
    }

    private void owner(HasMetadata o) {
        List<String> f = o.getMetadata().getFinalizers();
        if (o.getMetadata().getDeletionTimestamp() != null && f != null && (f.contains("foregroundDeletion") || f.contains("orphan")))
            queue.add("O:" + k(o.getClass().getSimpleName(), o));
    }

    /** An owner disappeared: every dependent pointing at its uid must be looked at. */
    private void ownerGone(HasMetadata o) {
        for (HasMetadata d : dependentsOf(o.getMetadata().getUid())) queue.add("D:" + k(d.getClass().getSimpleName(), d));
    }

    private List<HasMetadata> dependentsOf(String uid) {
        List<HasMetadata> out = new ArrayList<>();
        for (Class<? extends HasMetadata> t : DEPENDENTS) {
            try {
                out.addAll(informers.of(t).getIndexer().byIndex(OWNER_INDEX, uid));
            } catch (IllegalArgumentException e) {
                for (HasMetadata d : informers.list(t))
                    if (d.getMetadata().getOwnerReferences() != null && d.getMetadata().getOwnerReferences().stream().anyMatch(r -> uid.equals(r.getUid())))
                        out.add(d);
            }
        }
        return out;
    }

    @Override
    protected void onStart() {
        for (Class<? extends HasMetadata> t : DEPENDENTS) informers.list(t).forEach(this::dependent);
        for (Class<? extends HasMetadata> t : OWNERS) informers.list(t).forEach(this::owner);
    }

    private Class<? extends HasMetadata> type(String simpleName) {
        for (Class<? extends HasMetadata> t : DEPENDENTS) if (t.getSimpleName().equals(simpleName)) return t;
        for (Class<? extends HasMetadata> t : OWNERS) if (t.getSimpleName().equals(simpleName)) return t;
        throw new IllegalArgumentException(simpleName);
    }

    @Override
    public void reconcile(String qkey) {
        String[] parts = qkey.split(":", 3);
        Class<? extends HasMetadata> t = type(parts[1]);
        HasMetadata o = informers.get(t, parts[2]);
        if (o == null) return;
        if (parts[0].equals("D")) checkDependent(o);
        else processDeletingOwner(o);
    }

    private void checkDependent(HasMetadata o) {
        List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
        if (refs == null || refs.isEmpty() || o.getMetadata().getDeletionTimestamp() != null) return;
        List<OwnerReference> alive = new ArrayList<>();
        boolean waitingOnForeground = false;
        for (OwnerReference r : refs) {
            HasMetadata owner = lookup(o.getMetadata().getNamespace(), r);
            if (owner != null) {
                alive.add(r);
                if (owner.getMetadata().getDeletionTimestamp() != null && owner.getMetadata().getFinalizers() != null
                        && owner.getMetadata().getFinalizers().contains("foregroundDeletion")) waitingOnForeground = true;
            }
        }
        if (alive.size() == refs.size()) {
            if (waitingOnForeground) queue.add("O:" + ownerKeyOf(o, refs));
            return;
        }
        if (alive.isEmpty()) {
            try {
                writer.delete(o, DeletionPropagation.BACKGROUND, null);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) throw e;
            }
            return;
        }
        HasMetadata copy = writer.client().getKubernetesSerialization().clone(o); // cached objects are read-only
        copy.getMetadata().setOwnerReferences(alive);
        writer.update(copy);
    }

    private String ownerKeyOf(HasMetadata o, List<OwnerReference> refs) {
        OwnerReference r = refs.getFirst();
        return r.getKind() + ":" + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/") + r.getName();
    }

    /** The owner if it exists with the referenced uid: the cache first, then the API (the cache may lag a create). */
    private HasMetadata lookup(String ns, OwnerReference r) {
        for (Class<? extends HasMetadata> t : OWNERS) {
            if (!t.getSimpleName().equals(r.getKind())) continue;
            HasMetadata cached = informers.get(t, namespaced(t) ? ns : null, r.getName());
            if (cached != null && r.getUid().equals(cached.getMetadata().getUid())) return cached;
            HasMetadata live = namespaced(t) ? writer.client().resources(t).inNamespace(ns).withName(r.getName()).get()
                    : writer.client().resources(t).withName(r.getName()).get();
            return live != null && r.getUid().equals(live.getMetadata().getUid()) ? live : null;
        }
        try {
            var op = writer.client().genericKubernetesResources(r.getApiVersion(), r.getKind());
            GenericKubernetesResource live = ns == null ? op.withName(r.getName()).get() : op.inNamespace(ns).withName(r.getName()).get();
            if (live == null) {
                // a cluster-scoped owner of a namespaced dependent (e.g. a Node)
                live = op.withName(r.getName()).get();
            }
            return live != null && r.getUid().equals(live.getMetadata().getUid()) ? live : null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) return null;
            throw e;
        }
    }

    private static boolean namespaced(Class<?> t) {
        return io.fabric8.kubernetes.api.model.Namespaced.class.isAssignableFrom(t);
    }

    private void processDeletingOwner(HasMetadata owner) {
        List<String> fin = owner.getMetadata().getFinalizers();
        if (owner.getMetadata().getDeletionTimestamp() == null || fin == null) return;
        String uid = owner.getMetadata().getUid();
        List<HasMetadata> deps = dependentsOf(uid);
        if (fin.contains("orphan")) {
            for (HasMetadata d : deps) {
                HasMetadata copy = writer.client().getKubernetesSerialization().clone(d); // cached objects are read-only
                List<OwnerReference> rest = copy.getMetadata().getOwnerReferences().stream().filter(r -> !uid.equals(r.getUid())).toList();
                copy.getMetadata().setOwnerReferences(rest.isEmpty() ? null : new ArrayList<>(rest));
                writer.update(copy);
            }
            removeFinalizer(owner, "orphan");
            return;
        }
        if (fin.contains("foregroundDeletion")) {
            boolean remaining = false;
            for (HasMetadata d : deps) {
                remaining = true;
                if (d.getMetadata().getDeletionTimestamp() != null) continue;
                try {
                    writer.delete(d, DeletionPropagation.FOREGROUND, null);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) throw e;
                }
            }
            if (remaining) requeueAfter("O:" + k(owner.getClass().getSimpleName(), owner), Duration.ofSeconds(1));
            else removeFinalizer(owner, "foregroundDeletion");
        }
    }

    private void removeFinalizer(HasMetadata owner, String f) {
        HasMetadata live = writer.client().resource(owner).get();
        if (live == null || live.getMetadata().getFinalizers() == null || !live.getMetadata().getFinalizers().contains(f)) return;
        List<String> rest = new ArrayList<>(live.getMetadata().getFinalizers());
        rest.remove(f);
        live.getMetadata().setFinalizers(rest.isEmpty() ? null : rest);
        writer.update(live);
    }
}
