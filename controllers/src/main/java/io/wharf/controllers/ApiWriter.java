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
        String ns = pod.getMetadata().getNamespace(), name = pod.getMetadata().getName();
        for (Consumer<Write> l : listeners) l.accept(new Write("bind", "pod", ns, name + "->" + node));
        // the Binding written as text: it is five strings, and the scheduler sends one per pod (Jackson's
        // serializer for it was a tenth of the scheduler's CPU in a burst of binds)
        String body = "{\"kind\":\"Binding\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":" + jsonString(name) + ",\"namespace\":" + jsonString(ns)
                + (pod.getMetadata().getUid() == null ? "" : ",\"uid\":" + jsonString(pod.getMetadata().getUid()))
                + "},\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":" + jsonString(node) + "}}";
        // POST pods/{name}/binding, the subresource kube-scheduler uses (fabric8's bindings() posts to the older
        // namespaces/{ns}/bindings collection, which not every server serves)
        send("POST", "/api/v1/namespaces/" + ns + "/pods/" + name + "/binding", "application/json", body, "binding " + name + " to " + node);
    }

    /**
     * PATCH with a JSON merge patch ({@code application/merge-patch+json}) at {@code path} (from the API root, e.g.
     * {@code /api/v1/namespaces/ns/pods/p/status}), the answer not decoded: for writers that need nothing back and
     * whose last write wins anyway, as a kubelet's status reports and lease renewals (the node simulator's).
     * A status of 300 or more throws a KubernetesClientException with that code.
     */
    public void mergePatch(String kind, String namespace, String name, String path, String patchJson) {
        for (Consumer<Write> l : listeners) l.accept(new Write("patch", kind, namespace, name));
        send("PATCH", path, "application/merge-patch+json", patchJson, "patching " + kind + " " + name);
    }

    private volatile String apiRoot;

    private void send(String method, String path, String contentType, String body, String what) {
        String root = apiRoot;
        if (root == null) apiRoot = root = client.getConfiguration().getMasterUrl().replaceAll("/+$", "");
        var http = client.getHttpClient();
        var req = http.newHttpRequestBuilder().uri(root + path).method(method, contentType, body).build();
        io.fabric8.kubernetes.client.http.HttpResponse<String> resp;
        try {
            resp = http.sendAsync(req, String.class).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.fabric8.kubernetes.client.KubernetesClientException("interrupted " + what);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new io.fabric8.kubernetes.client.KubernetesClientException(what + ": " + e.getMessage(), e);
        }
        if (resp.code() >= 300)
            throw new io.fabric8.kubernetes.client.KubernetesClientException(what + ": " + resp.body(), resp.code(), null);
    }

    /** A JSON string literal. */
    public static String jsonString(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /** A 403 because the namespace is being deleted (NamespaceTerminatingCause): controllers drop such creates quietly. */
    public static boolean namespaceTerminating(Throwable e) {
        return e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 403
                && k.getMessage() != null && k.getMessage().contains("because it is being terminated");
    }
}
