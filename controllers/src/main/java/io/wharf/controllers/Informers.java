package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One shared informer per type for all controllers (client-go's SharedInformerFactory): the caches they read, and
 * the handlers that enqueue keys. Informers are created lazily ({@link #of}) and started together ({@link #start}).
 * Cached objects are shared and read-only: copy before changing. They are slimmed on the way in ({@link CacheTransform}:
 * no managedFields, canonical strings).
 */
public final class Informers implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Informers.class);
    static final long LIST_PAGE = 500;
    private final KubernetesClient client;
    private final Map<Class<?>, SharedIndexInformer<?>> informers = new LinkedHashMap<>();
    private final long resyncMillis;
    private boolean started;

    public Informers(KubernetesClient client) { this(client, Duration.ZERO); }

    public Informers(KubernetesClient client, Duration resync) {
        this.client = client;
        this.resyncMillis = resync.toMillis();
    }

    public KubernetesClient client() { return client; }

    @SuppressWarnings("unchecked")
    public synchronized <T extends HasMetadata> SharedIndexInformer<T> of(Class<T> type) {
        return (SharedIndexInformer<T>) informers.computeIfAbsent(type, t -> {
            // the client's serialization maps only registered kinds to classes (Clients.SERIALIZATION)
            client.getKubernetesSerialization().registerKubernetesResource(type);
            // the initial list in pages of 500, as client-go's reflector asks: one 10,000-pod list decoded whole (before
            // any slimming) was the controller manager's peak heap, and the heap, once grown, is not given back
            SharedIndexInformer<T> inf = client.resources(type).inAnyNamespace().withLimit(LIST_PAGE).runnableInformer(resyncMillis);
            // one slimmed copy of each object, shared by the store and the handlers (CacheTransform)
            inf.itemStore(CacheTransform.itemStore());
            if (started) inf.start();
            return inf;
        });
    }

    /** The cached objects of a type in a namespace. */
    public <T extends HasMetadata> List<T> list(Class<T> type, String namespace) {
        return of(type).getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace);
    }

    public <T extends HasMetadata> List<T> list(Class<T> type) {
        return of(type).getIndexer().list();
    }

    /** The cached object, or null. */
    public <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
        return of(type).getIndexer().getByKey(namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
    }

    public <T extends HasMetadata> T get(Class<T> type, String key) {
        return of(type).getIndexer().getByKey(key);
    }

    /** Starts every informer created so far and waits until all have listed. */
    public void start(Duration timeout) throws TimeoutException, InterruptedException {
        List<SharedIndexInformer<?>> all;
        synchronized (this) {
            started = true;
            all = new ArrayList<>(informers.values());
        }
        for (SharedIndexInformer<?> i : all) i.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (SharedIndexInformer<?> i : all) {
            while (!i.hasSynced()) {
                if (i.stopped().toCompletableFuture().isDone()) {
                    // the server does not serve this type (404) or refused us: the controllers that need it see an
                    // empty cache, the others are not held up (a partial API server, or RBAC without that resource)
                    log.warn("informer for {} stopped without syncing; its controllers see no objects", i.getApiTypeClass().getSimpleName());
                    break;
                }
                if (System.nanoTime() > deadline) throw new TimeoutException("informer for " + i.getApiTypeClass().getSimpleName() + " did not sync");
                Thread.sleep(20);
            }
        }
    }

    @Override
    public synchronized void close() {
        informers.values().forEach(SharedIndexInformer::close);
        informers.clear();
    }
}
