package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every write a controller makes goes through here, so that a test can record the exact writes of one reconcile
 * (and assert that a second pass writes nothing), and so that a write is one line in the controllers.
 * Updates carry the cached resourceVersion: a stale cache gives a 409 Conflict, which fails the reconcile and
 * retries it with backoff, as Kubernetes' controllers do.
 */
public final class ApiWriter {
    /** One write: verb (create, update, update-status, delete, bind), lower-case kind, namespace ("" if cluster-scoped), name. */
    public record Write(String verb, String kind, String namespace, String name) {
        public Write {
            Objects.requireNonNull(verb);
            Objects.requireNonNull(kind);
            namespace = namespace == null ? "" : namespace;
            name = name == null ? "" : name;
        }

        @Override
        public String toString() {
            return verb + " " + kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
        }
    }

    private final KubernetesClient client;
    private final List<Consumer<Write>> listeners = new CopyOnWriteArrayList<>();

    public ApiWriter(KubernetesClient client) { this.client = Objects.requireNonNull(client); }

    public KubernetesClient client() { return client; }

    /** Registers a listener told of every write before it is sent. */
    public void onWrite(Consumer<Write> l) { listeners.add(l); }

    public void removeListener(Consumer<Write> l) { listeners.remove(l); }

    private void record(String verb, HasMetadata o) {
        Write w = new Write(verb, o.getKind() == null ? o.getClass().getSimpleName().toLowerCase() : o.getKind().toLowerCase(),
                o.getMetadata().getNamespace(), o.getMetadata().getName() != null ? o.getMetadata().getName() : o.getMetadata().getGenerateName());
        for (Consumer<Write> l : listeners) l.accept(w);
    }

    public <T extends HasMetadata> T create(T obj) {
        record("create", obj);
        return client.resource(obj).create();
    }

    /** Replaces the object (optimistic concurrency on its resourceVersion). */
    public <T extends HasMetadata> T update(T obj) {
        record("update", obj);
        return client.resource(obj).update();
    }

    /** Replaces the status through the status subresource. */
    public <T extends HasMetadata> T updateStatus(T obj) {
        record("update-status", obj);
        return client.resource(obj).updateStatus();
    }

    public <T extends HasMetadata> void delete(T obj) {
        record("delete", obj);
        client.resource(obj).delete();
    }

    public <T extends HasMetadata> void delete(T obj, DeletionPropagation propagation, Long graceSeconds) {
        record("delete", obj);
        var r = client.resource(obj);
        if (graceSeconds != null) r.withGracePeriod(graceSeconds).withPropagationPolicy(propagation).delete();
        else r.withPropagationPolicy(propagation).delete();
    }

    /** Deletes only the instance with this uid (a precondition, as the garbage collector and evictions do). */
    public <T extends HasMetadata> void deleteExact(T obj, Long graceSeconds) {
        record("delete", obj);
        var r = client.resource(obj);
        if (graceSeconds != null) r.withGracePeriod(graceSeconds).delete();
        else r.delete();
    }

    /** POST pods/{name}/binding. */
    public void bind(io.fabric8.kubernetes.api.model.Pod pod, String node) {
        for (Consumer<Write> l : listeners) l.accept(new Write("bind", "pod", pod.getMetadata().getNamespace(), pod.getMetadata().getName() + "->" + node));
        var binding = new io.fabric8.kubernetes.api.model.BindingBuilder()
                .withNewMetadata().withName(pod.getMetadata().getName()).withNamespace(pod.getMetadata().getNamespace())
                .withUid(pod.getMetadata().getUid()).endMetadata()
                .withNewTarget().withApiVersion("v1").withKind("Node").withName(node).endTarget().build();
        // POST pods/{name}/binding, the subresource kube-scheduler uses (fabric8's bindings() posts to the older
        // namespaces/{ns}/bindings collection, which not every server serves)
        String url = client.getConfiguration().getMasterUrl().replaceAll("/+$", "") + "/api/v1/namespaces/"
                + pod.getMetadata().getNamespace() + "/pods/" + pod.getMetadata().getName() + "/binding";
        var http = client.getHttpClient();
        var req = http.newHttpRequestBuilder().uri(url).post("application/json", io.fabric8.kubernetes.client.utils.Serialization.asJson(binding)).build();
        io.fabric8.kubernetes.client.http.HttpResponse<String> resp;
        try {
            resp = http.sendAsync(req, String.class).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.fabric8.kubernetes.client.KubernetesClientException("interrupted binding " + pod.getMetadata().getName());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new io.fabric8.kubernetes.client.KubernetesClientException("binding " + pod.getMetadata().getName() + ": " + e.getMessage(), e);
        }
        if (resp.code() >= 300)
            throw new io.fabric8.kubernetes.client.KubernetesClientException("binding " + pod.getMetadata().getName() + " to " + node + ": " + resp.body(), resp.code(), null);
    }

    /** A 403 because the namespace is being deleted (NamespaceTerminatingCause): controllers drop such creates quietly. */
    public static boolean namespaceTerminating(Throwable e) {
        return e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 403
                && k.getMessage() != null && k.getMessage().contains("because it is being terminated");
    }
}
