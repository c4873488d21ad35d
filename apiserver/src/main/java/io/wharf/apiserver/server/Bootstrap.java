package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceRegistry;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.Json;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * What exists in every cluster from its first start: the namespaces default, kube-system, kube-public and
 * kube-node-lease, the `kubernetes` Service, and the default RBAC roles (from the kinds package when it provides them,
 * else the minimal set below). Idempotent: objects already present are left alone.
 */
public final class Bootstrap {
    private Bootstrap() {}

    static final List<String> READABLE = List.of("pods", "pods/log", "pods/status", "services", "services/status", "endpoints",
            "configmaps", "persistentvolumeclaims", "persistentvolumeclaims/status", "replicationcontrollers", "replicationcontrollers/scale",
            "serviceaccounts", "events", "limitranges", "resourcequotas", "resourcequotas/status", "namespaces", "namespaces/status",
            "bindings", "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status",
            "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status", "controllerrevisions",
            "jobs", "jobs/status", "cronjobs", "cronjobs/status", "ingresses", "ingresses/status", "networkpolicies", "endpointslices",
            "horizontalpodautoscalers", "poddisruptionbudgets", "leases");
    static final List<String> GROUPS = List.of("", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "discovery.k8s.io",
            "coordination.k8s.io", "events.k8s.io", "extensions");

    public static void run(ResourceRegistry registry, Storage storage, List<ObjectNode> fromKinds, String hostIp, int port) {
        List<Map.Entry<ResourceType, ObjectNode>> wanted = new ArrayList<>();
        BiConsumer<ResourceType, ObjectNode> want = (t, o) -> wanted.add(Map.entry(t, o));
        ResourceType ns = registry.byResource("", "v1", "namespaces").map(ResourceRegistry.Entry::type).orElse(null);
        if (ns != null) {
            for (String n : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
                ObjectNode o = object("v1", "Namespace", n, null);
                o.with("metadata").with("labels").put("kubernetes.io/metadata.name", n);
                o.putObject("spec").putArray("finalizers").add("kubernetes");
                o.putObject("status").put("phase", "Active");
                want.accept(ns, o);
            }
        }
        registry.byResource("", "v1", "services").ifPresent(e -> {
            ObjectNode s = object("v1", "Service", "kubernetes", "default");
            s.with("metadata").with("labels").put("component", "apiserver").put("provider", "kubernetes");
            ObjectNode spec = s.putObject("spec");
            spec.put("type", "ClusterIP");
            spec.put("clusterIP", "10.96.0.1");
            spec.putArray("clusterIPs").add("10.96.0.1");
            spec.putArray("ipFamilies").add("IPv4");
            spec.put("ipFamilyPolicy", "SingleStack");
            spec.put("sessionAffinity", "None");
            spec.put("internalTrafficPolicy", "Cluster");
            spec.putArray("ports").addObject().put("name", "https").put("port", 443).put("protocol", "TCP").put("targetPort", port);
            s.putObject("status").putObject("loadBalancer");
            want.accept(e.type(), s);
        });
        registry.byResource("", "v1", "endpoints").ifPresent(e -> {
            ObjectNode ep = object("v1", "Endpoints", "kubernetes", "default");
            ep.with("metadata").with("labels").put("endpointslice.kubernetes.io/skip-mirror", "true");
            ObjectNode subset = ep.putArray("subsets").addObject();
            subset.putArray("addresses").addObject().put("ip", hostIp);
            subset.putArray("ports").addObject().put("name", "https").put("port", port).put("protocol", "TCP");
            want.accept(e.type(), ep);
        });
        List<ObjectNode> rbac = fromKinds == null || fromKinds.isEmpty() ? defaultRbac() : fromKinds;
        for (ObjectNode o : rbac) {
            registry.byApiVersionKind(o.path("apiVersion").asText(), o.path("kind").asText())
                    .ifPresent(e -> want.accept(e.type(), o.deepCopy()));
        }
        createAll(storage, wanted);
    }

    /**
     * Creates the missing ones side by side: the store commits writes that wait together in one transaction, so a first
     * start pays one or two fsyncs for its ~100 objects instead of one each (the order among them does not matter).
     */
    private static void createAll(Storage storage, List<Map.Entry<ResourceType, ObjectNode>> objects) {
        List<Future<?>> pending = new ArrayList<>(objects.size());
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (var o : objects) pending.add(ex.submit(() -> createIfAbsent(storage, o.getKey(), o.getValue())));
            for (Future<?> f : pending) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    if (e.getCause() instanceof Error r) throw r;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while bootstrapping", e);
                }
            }
        }
    }

    private static void createIfAbsent(Storage storage, ResourceType t, ObjectNode o) {
        JsonNode md = o.path("metadata");
        // Existence only (no decode): on every start after the first, all ~100 of these are present.
        if (storage.store().get(Storage.key(t, md.path("namespace").asText(null), md.path("name").asText())).isPresent()) return;
        ObjectNode m = o.with("metadata");
        m.put("uid", UUID.randomUUID().toString());
        m.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        if (!m.has("generation")) m.put("generation", 1);
        try {
            storage.create(t, o);
        } catch (ApiException e) {
            if (e.code() != 409) throw e;
        }
    }

    static ObjectNode object(String apiVersion, String kind, String name, String namespace) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("apiVersion", apiVersion);
        o.put("kind", kind);
        ObjectNode md = o.putObject("metadata");
        md.put("name", name);
        if (namespace != null) md.put("namespace", namespace);
        return o;
    }

    private static ObjectNode rule(List<String> groups, List<String> resources, List<String> verbs) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        ArrayNode g = r.putArray("apiGroups");
        groups.forEach(g::add);
        ArrayNode res = r.putArray("resources");
        resources.forEach(res::add);
        ArrayNode v = r.putArray("verbs");
        verbs.forEach(v::add);
        return r;
    }

    private static ObjectNode nonResource(List<String> urls, List<String> verbs) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        ArrayNode u = r.putArray("nonResourceURLs");
        urls.forEach(u::add);
        ArrayNode v = r.putArray("verbs");
        verbs.forEach(v::add);
        return r;
    }

    private static ObjectNode clusterRole(String name, ObjectNode... rules) {
        ObjectNode o = object("rbac.authorization.k8s.io/v1", "ClusterRole", name, null);
        o.with("metadata").with("labels").put("kubernetes.io/bootstrapping", "rbac-defaults");
        o.with("metadata").with("annotations").put("rbac.authorization.kubernetes.io/autoupdate", "true");
        ArrayNode a = o.putArray("rules");
        for (ObjectNode r : rules) a.add(r);
        return o;
    }

    private static ObjectNode binding(String name, String role, String groupSubject) {
        ObjectNode o = object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", name, null);
        o.with("metadata").with("labels").put("kubernetes.io/bootstrapping", "rbac-defaults");
        o.with("metadata").with("annotations").put("rbac.authorization.kubernetes.io/autoupdate", "true");
        o.putObject("roleRef").put("apiGroup", "rbac.authorization.k8s.io").put("kind", "ClusterRole").put("name", role);
        o.putArray("subjects").addObject().put("apiGroup", "rbac.authorization.k8s.io").put("kind", "Group").put("name", groupSubject);
        return o;
    }

    /** A minimal version of Kubernetes' bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy). */
    static List<ObjectNode> defaultRbac() {
        List<String> read = List.of("get", "list", "watch");
        List<String> write = List.of("create", "delete", "deletecollection", "patch", "update");
        List<String> editable = new ArrayList<>(READABLE);
        editable.addAll(List.of("secrets", "pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "pods/eviction", "services/proxy", "serviceaccounts/token"));
        List<ObjectNode> out = new ArrayList<>();
        out.add(clusterRole("cluster-admin", rule(List.of("*"), List.of("*"), List.of("*")), nonResource(List.of("*"), List.of("*"))));
        out.add(clusterRole("view", rule(GROUPS, READABLE, read)));
        ObjectNode editRead = rule(GROUPS, editable, read);
        out.add(clusterRole("edit", editRead, rule(GROUPS, editable, write)));
        out.add(clusterRole("admin", editRead.deepCopy(), rule(GROUPS, editable, write),
                rule(List.of("rbac.authorization.k8s.io"), List.of("roles", "rolebindings"), List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
                rule(List.of("authorization.k8s.io"), List.of("localsubjectaccessreviews"), List.of("create"))));
        out.add(clusterRole("system:discovery", nonResource(List.of("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version", "/version/"), List.of("get"))));
        out.add(clusterRole("system:public-info-viewer", nonResource(List.of("/healthz", "/livez", "/readyz", "/version", "/version/"), List.of("get"))));
        out.add(clusterRole("system:basic-user",
                rule(List.of("authorization.k8s.io"), List.of("selfsubjectaccessreviews", "selfsubjectrulesreviews"), List.of("create")),
                rule(List.of("authentication.k8s.io"), List.of("selfsubjectreviews"), List.of("create"))));
        out.add(clusterRole("system:node",
                rule(List.of(""), List.of("nodes", "nodes/status", "pods", "pods/status", "events", "configmaps", "secrets", "services", "endpoints", "persistentvolumeclaims", "persistentvolumes", "serviceaccounts/token"), List.of("create", "get", "list", "watch", "patch", "update", "delete")),
                rule(List.of("coordination.k8s.io"), List.of("leases"), List.of("create", "delete", "get", "patch", "update")),
                rule(List.of("discovery.k8s.io"), List.of("endpointslices"), read),
                rule(List.of("storage.k8s.io"), List.of("csidrivers", "csinodes", "storageclasses", "volumeattachments"), read),
                rule(List.of("node.k8s.io"), List.of("runtimeclasses"), read)));
        out.add(clusterRole("system:node-bootstrapper",
                rule(List.of("certificates.k8s.io"), List.of("certificatesigningrequests"), List.of("create", "get", "list", "watch"))));
        out.add(binding("cluster-admin", "cluster-admin", "system:masters"));
        out.add(binding("system:discovery", "system:discovery", "system:authenticated"));
        out.add(binding("system:public-info-viewer", "system:public-info-viewer", "system:authenticated"));
        out.add(binding("system:basic-user", "system:basic-user", "system:authenticated"));
        out.add(binding("system:node", "system:node", "system:nodes"));
        out.add(binding("system:node-bootstrapper", "system:node-bootstrapper", "system:bootstrappers"));
        return out;
    }
}
