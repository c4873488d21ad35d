package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * A level-triggered controller: informer handlers only enqueue keys ("namespace/name", or "name" for cluster-scoped
 * objects); worker threads take a key, {@link #reconcile} it against the informer caches, and retry with backoff when
 * it throws. One key is never reconciled by two workers at once (the {@link WorkQueue} guarantees it).
 */
public abstract class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    protected final String name;
    protected final WorkQueue<String> queue;
    private final int workers;
    private final List<Thread> threads = new ArrayList<>();

    protected Controller(String name, int workers) {
        this.name = name;
        this.workers = workers;
        this.queue = new WorkQueue<>(name);
    }

    public String name() { return name; }

    public WorkQueue<String> queue() { return queue; }

    /** Brings the world for this key closer to its desired state. Throw to retry with backoff. */
    public abstract void reconcile(String key) throws Exception;

    /** Called once the informers have synced, before the workers start (e.g. to enqueue every existing object). */
    protected void onStart() {}

    public void start() {
        onStart();
        for (int i = 0; i < workers; i++)
            threads.add(Thread.ofVirtual().name(name + "-worker-" + i).start(this::work));
    }

    private void work() {
        while (true) {
            String key;
            try {
                key = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) return;
            try {
                reconcile(key);
                queue.forget(key);
            } catch (Exception e) {
                if (queue.isShutdown()) return;
                int n = queue.numRequeues(key);
                boolean conflict = e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 409;
                if (conflict) log.debug("{}: reconcile {} met a conflict (stale cache), retrying", name, key);
                else if (n < 3 || n % 10 == 0) log.info("{}: reconcile {} failed (retry {}): {}", name, key, n + 1, e.toString());
                else log.debug("{}: reconcile {} failed: {}", name, key, e.toString());
                queue.addRateLimited(key);
            } finally {
                queue.done(key);
            }
        }
    }

    /** Reconcile this key again after the delay (minReadySeconds, deadlines, TTLs). */
    protected void requeueAfter(String key, Duration d) { queue.addAfter(key, d); }

    @Override
    public void close() {
        queue.close();
        for (Thread t : threads) t.interrupt();
    }

    public static String key(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return ns == null || ns.isEmpty() ? o.getMetadata().getName() : ns + "/" + o.getMetadata().getName();
    }

    public static String namespaceOf(String key) {
        int i = key.indexOf('/');
        return i < 0 ? null : key.substring(0, i);
    }

    public static String nameOf(String key) {
        return key.substring(key.indexOf('/') + 1);
    }

    /** The "namespace/name" key of the pod's controlling owner when that owner is a {@code kind}, else null. */
    protected static String ownerKey(Pod p, String kind) {
        OwnerReference r = Pods.controllerRef(p);
        return r == null || !kind.equals(r.getKind()) ? null : p.getMetadata().getNamespace() + "/" + r.getName();
    }

    /**
     * A handler for the pods a {@code kind} controls: enqueues the owner on every change and tells the expectations
     * which creations and deletions the cache has now seen.
     */
    protected ResourceEventHandler<Pod> ownedPods(String kind, Expectations expectations) {
        return new ResourceEventHandler<>() {
            @Override public void onAdd(Pod p) {
                String k = ownerKey(p, kind);
                if (k != null) {
                    expectations.creationObserved(k);
                    queue.add(k);
                }
            }
            @Override public void onUpdate(Pod a, Pod b) {
                String k = ownerKey(b, kind);
                if (k != null) queue.add(k);
            }
            @Override public void onDelete(Pod p, boolean unknown) {
                String k = ownerKey(p, kind);
                if (k != null) {
                    expectations.deletionObserved(k);
                    queue.add(k);
                }
            }
        };
    }

    /** A handler that enqueues the object's own key on every add, update and delete. */
    protected <T extends HasMetadata> ResourceEventHandler<T> enqueueSelf() {
        return enqueue(o -> List.of(key(o)));
    }

    /** A handler that enqueues the keys the function maps an object to (e.g. a pod to its owner). */
    protected <T extends HasMetadata> ResourceEventHandler<T> enqueue(Function<T, Collection<String>> keys) {
        return new ResourceEventHandler<>() {
            @Override public void onAdd(T o) { keys.apply(o).forEach(queue::add); }
            @Override public void onUpdate(T a, T b) {
                keys.apply(b).forEach(queue::add);
                if (a != null) keys.apply(a).forEach(queue::add);
            }
            @Override public void onDelete(T o, boolean unknown) { keys.apply(o).forEach(queue::add); }
        };
    }
}
