package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The default RBAC ClusterRoles and ClusterRoleBindings of kube-apiserver
 * (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go), and the system PriorityClasses, as the objects it creates
 * at first start.
 *
 * <p>admin, edit and view carry their aggregationRule as in Kubernetes, and also the aggregated rules already filled in
 * (the clusterrole-aggregation controller would do that), so an authorizer that only reads {@code rules} works.
 * Two deliberate additions, since Wharf has no Node authorizer and no kubeadm: system:node is bound to the group
 * system:nodes, and system:node-bootstrapper to the group system:bootstrappers.
 */
public final class BootstrapPolicy {
    private BootstrapPolicy() {}

    static final String[] READ = {"get", "list", "watch"};
    static final String[] WRITE = {"create", "delete", "deletecollection", "patch", "update"};
    static final String[] RW = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};

    private static final class Rules {
        final List<ObjectNode> list = new ArrayList<>();

        Rules r(String group, String[] resources, String... verbs) {
            ObjectNode r = Nodes.F.objectNode();
            r.putArray("apiGroups").add(group);
            ArrayNode res = r.putArray("resources");
            for (String s : resources) res.add(s);
            ArrayNode v = r.putArray("verbs");
            for (String s : verbs) v.add(s);
            list.add(r);
            return this;
        }

        Rules urls(String[] urls, String... verbs) {
            ObjectNode r = Nodes.F.objectNode();
            ArrayNode u = r.putArray("nonResourceURLs");
            for (String s : urls) u.add(s);
            ArrayNode v = r.putArray("verbs");
            for (String s : verbs) v.add(s);
            list.add(r);
            return this;
        }

        Rules all(Rules other) { list.addAll(other.list); return this; }
    }

    static String[] a(String... s) { return s; }

    static Rules viewRules() {
        return new Rules()
                .r("", a("configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "replicationcontrollers",
                        "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"), READ)
                .r("", a("bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status", "replicationcontrollers/status",
                        "resourcequotas", "resourcequotas/status"), READ)
                .r("", a("namespaces"), READ)
                .r("discovery.k8s.io", a("endpointslices"), READ)
                .r("apps", a("controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
                        "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"), READ)
                .r("autoscaling", a("horizontalpodautoscalers", "horizontalpodautoscalers/status"), READ)
                .r("batch", a("cronjobs", "cronjobs/status", "jobs", "jobs/status"), READ)
                .r("extensions", a("daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses",
                        "ingresses/status", "networkpolicies", "replicasets", "replicasets/scale", "replicasets/status",
                        "replicationcontrollers/scale"), READ)
                .r("policy", a("poddisruptionbudgets", "poddisruptionbudgets/status"), READ)
                .r("networking.k8s.io", a("ingresses", "ingresses/status", "networkpolicies"), READ);
    }

    static Rules editRules() {
        return new Rules()
                .r("", a("pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"), READ)
                .r("", a("serviceaccounts"), "impersonate")
                .r("", a("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"), WRITE)
                .r("", a("pods/eviction"), "create")
                .r("", a("configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets",
                        "serviceaccounts", "services", "services/proxy"), WRITE)
                .r("", a("serviceaccounts/token"), "create")
                .r("apps", a("daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale",
                        "statefulsets", "statefulsets/scale"), WRITE)
                .r("autoscaling", a("horizontalpodautoscalers"), WRITE)
                .r("batch", a("cronjobs", "jobs"), WRITE)
                .r("extensions", a("daemonsets", "deployments", "deployments/rollback", "deployments/scale", "ingresses", "networkpolicies",
                        "replicasets", "replicasets/scale", "replicationcontrollers/scale"), WRITE)
                .r("policy", a("poddisruptionbudgets"), WRITE)
                .r("networking.k8s.io", a("ingresses", "networkpolicies"), WRITE)
                .r("coordination.k8s.io", a("leases"), WRITE);
    }

    static Rules adminRules() {
        return new Rules()
                .r("authorization.k8s.io", a("localsubjectaccessreviews"), "create")
                .r("rbac.authorization.k8s.io", a("rolebindings", "roles"), RW);
    }

    static ObjectNode meta(ObjectNode o, String name) {
        ObjectNode md = o.putObject("metadata");
        md.put("name", name);
        md.putObject("labels").put("kubernetes.io/bootstrapping", "rbac-defaults");
        md.putObject("annotations").put("rbac.authorization.kubernetes.io/autoupdate", "true");
        return md;
    }

    static ObjectNode role(String name, Rules rules) {
        ObjectNode o = Nodes.F.objectNode();
        o.put("apiVersion", "rbac.authorization.k8s.io/v1");
        o.put("kind", "ClusterRole");
        meta(o, name);
        ArrayNode arr = o.putArray("rules");
        rules.list.forEach(r -> arr.add(r.deepCopy()));
        return o;
    }

    static ObjectNode aggregated(String name, Rules rules, String... aggregateFrom) {
        ObjectNode o = role(name, rules);
        ArrayNode sel = o.putObject("aggregationRule").putArray("clusterRoleSelectors");
        for (String label : aggregateFrom) sel.addObject().putObject("matchLabels").put(label, "true");
        return o;
    }

    static ObjectNode label(ObjectNode role, String... labels) {
        ObjectNode l = (ObjectNode) role.path("metadata").get("labels");
        for (String s : labels) l.put(s, "true");
        return role;
    }

    static ObjectNode binding(String name, String role, String[]... subjects) {
        ObjectNode o = Nodes.F.objectNode();
        o.put("apiVersion", "rbac.authorization.k8s.io/v1");
        o.put("kind", "ClusterRoleBinding");
        meta(o, name);
        o.putObject("roleRef").put("apiGroup", "rbac.authorization.k8s.io").put("kind", "ClusterRole").put("name", role);
        ArrayNode subs = o.putArray("subjects");
        for (String[] s : subjects) {
            ObjectNode so = subs.addObject();
            so.put("kind", s[0]);
            if (s[0].equals("ServiceAccount")) { so.put("name", s[2]); so.put("namespace", s[1]); }
            else { so.put("apiGroup", "rbac.authorization.k8s.io"); so.put("name", s[1]); }
        }
        return o;
    }

    /** The two PriorityClasses kube-apiserver creates at start (pkg/apis/scheduling SystemPriorityClasses). */
    static ObjectNode priorityClass(String name, long value, String description) {
        ObjectNode o = Nodes.F.objectNode();
        o.put("apiVersion", "scheduling.k8s.io/v1");
        o.put("kind", "PriorityClass");
        o.putObject("metadata").put("name", name);
        o.put("value", value);
        o.put("globalDefault", false);
        o.put("description", description);
        o.put("preemptionPolicy", "PreemptLowerPriority");
        return o;
    }

    static String[] group(String g) { return new String[]{"Group", g}; }

    static String[] user(String u) { return new String[]{"User", u}; }

    /** A fresh copy of every default ClusterRole and ClusterRoleBinding. */
    public static List<ObjectNode> objects() {
        List<ObjectNode> out = new ArrayList<>();
        Rules view = viewRules(), edit = new Rules().all(viewRules()).all(editRules()),
                admin = new Rules().all(viewRules()).all(editRules()).all(adminRules());
        out.add(role("cluster-admin", new Rules().r("*", a("*"), "*").urls(a("*"), "*")));
        out.add(aggregated("admin", admin, "rbac.authorization.k8s.io/aggregate-to-admin"));
        out.add(label(aggregated("edit", edit, "rbac.authorization.k8s.io/aggregate-to-edit"), "rbac.authorization.k8s.io/aggregate-to-admin"));
        out.add(label(aggregated("view", view, "rbac.authorization.k8s.io/aggregate-to-view"),
                "rbac.authorization.k8s.io/aggregate-to-edit"));
        out.add(label(role("system:aggregate-to-admin", adminRules()), "rbac.authorization.k8s.io/aggregate-to-admin"));
        out.add(label(role("system:aggregate-to-edit", editRules()), "rbac.authorization.k8s.io/aggregate-to-edit"));
        out.add(label(role("system:aggregate-to-view", viewRules()), "rbac.authorization.k8s.io/aggregate-to-view"));
        out.add(role("system:discovery", new Rules().urls(a("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                "/readyz", "/version", "/version/"), "get")));
        out.add(role("system:basic-user", new Rules()
                .r("authorization.k8s.io", a("selfsubjectaccessreviews", "selfsubjectrulesreviews"), "create")
                .r("authentication.k8s.io", a("selfsubjectreviews"), "create")));
        out.add(role("system:public-info-viewer", new Rules().urls(a("/healthz", "/livez", "/readyz", "/version", "/version/"), "get")));
        out.add(role("system:monitoring", new Rules().urls(a("/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis",
                "/readyz", "/readyz/*"), "get")));
        out.add(role("system:auth-delegator", new Rules()
                .r("authentication.k8s.io", a("tokenreviews"), "create")
                .r("authorization.k8s.io", a("subjectaccessreviews"), "create")));
        out.add(role("system:node-bootstrapper", new Rules()
                .r("certificates.k8s.io", a("certificatesigningrequests"), "create", "get", "list", "watch")));
        out.add(role("system:node-proxier", new Rules()
                .r("", a("endpoints", "services"), "list", "watch")
                .r("", a("nodes"), READ)
                .r("", a("events"), "create", "patch", "update")
                .r("events.k8s.io", a("events"), "create", "patch", "update")
                .r("discovery.k8s.io", a("endpointslices"), "list", "watch")));
        out.add(role("system:kube-dns", new Rules().r("", a("endpoints", "services"), "list", "watch")));
        out.add(role("system:node", new Rules()
                .r("authentication.k8s.io", a("tokenreviews"), "create")
                .r("authorization.k8s.io", a("localsubjectaccessreviews", "subjectaccessreviews"), "create")
                .r("", a("services"), READ)
                .r("", a("nodes"), "create", "get", "list", "watch")
                .r("", a("nodes/status"), "patch", "update")
                .r("", a("nodes"), "delete", "patch", "update")
                .r("", a("events"), "create", "patch", "update")
                .r("events.k8s.io", a("events"), "create", "patch", "update")
                .r("", a("pods"), READ)
                .r("", a("pods"), "create", "delete")
                .r("", a("pods/status"), "patch", "update")
                .r("", a("pods/eviction"), "create")
                .r("", a("configmaps", "secrets"), "get", "list", "watch")
                .r("", a("persistentvolumeclaims", "persistentvolumes"), "get")
                .r("", a("endpoints"), "get")
                .r("certificates.k8s.io", a("certificatesigningrequests"), "create", "get", "list", "watch")
                .r("coordination.k8s.io", a("leases"), "create", "delete", "get", "patch", "update")
                .r("storage.k8s.io", a("volumeattachments", "csidrivers"), "get")
                .r("", a("serviceaccounts/token"), "create")
                .r("node.k8s.io", a("runtimeclasses"), "get", "list", "watch")));
        out.add(role("system:kube-scheduler", new Rules()
                .r("", a("events"), "create", "patch", "update")
                .r("events.k8s.io", a("events"), "create", "patch", "update")
                .r("coordination.k8s.io", a("leases"), "create")
                .r("coordination.k8s.io", a("leases"), "get", "update")
                .r("", a("endpoints"), "create")
                .r("", a("endpoints"), "get", "update")
                .r("", a("nodes"), READ)
                .r("", a("pods"), "delete", "get", "list", "watch")
                .r("", a("bindings", "pods/binding"), "create")
                .r("", a("pods/status"), "patch", "update")
                .r("", a("replicationcontrollers", "services"), READ)
                .r("apps", a("replicasets", "statefulsets"), READ)
                .r("policy", a("poddisruptionbudgets"), READ)
                .r("", a("persistentvolumeclaims", "persistentvolumes"), READ)
                .r("authentication.k8s.io", a("tokenreviews"), "create")
                .r("authorization.k8s.io", a("subjectaccessreviews"), "create")
                .r("storage.k8s.io", a("csinodes", "csidrivers", "csistoragecapacities", "storageclasses"), READ)
                .r("", a("namespaces", "configmaps"), READ)));
        out.add(role("system:kube-controller-manager", new Rules()
                .r("", a("events"), "create", "patch", "update")
                .r("events.k8s.io", a("events"), "create", "patch", "update")
                .r("coordination.k8s.io", a("leases"), "create")
                .r("coordination.k8s.io", a("leases"), "get", "update")
                .r("", a("secrets", "serviceaccounts"), "create")
                .r("", a("secrets"), "delete")
                .r("", a("configmaps", "namespaces", "secrets", "serviceaccounts"), "get")
                .r("", a("secrets", "serviceaccounts"), "update")
                .r("authentication.k8s.io", a("tokenreviews"), "create")
                .r("authorization.k8s.io", a("subjectaccessreviews"), "create")
                .r("*", a("*"), "list", "watch")
                .r("", a("serviceaccounts/token"), "create")));
        out.add(priorityClass("system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."));
        out.add(priorityClass("system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."));
        out.add(binding("cluster-admin", "cluster-admin", group("system:masters")));
        out.add(binding("system:discovery", "system:discovery", group("system:authenticated")));
        out.add(binding("system:basic-user", "system:basic-user", group("system:authenticated")));
        out.add(binding("system:public-info-viewer", "system:public-info-viewer", group("system:authenticated"), group("system:unauthenticated")));
        out.add(binding("system:monitoring", "system:monitoring", group("system:monitoring")));
        out.add(binding("system:node", "system:node", group("system:nodes")));
        out.add(binding("system:node-bootstrapper", "system:node-bootstrapper", group("system:bootstrappers")));
        out.add(binding("system:node-proxier", "system:node-proxier", user("system:kube-proxy")));
        out.add(binding("system:kube-dns", "system:kube-dns", new String[]{"ServiceAccount", "kube-system", "kube-dns"}));
        out.add(binding("system:kube-scheduler", "system:kube-scheduler", user("system:kube-scheduler")));
        out.add(binding("system:kube-controller-manager", "system:kube-controller-manager", user("system:kube-controller-manager")));
        return out;
    }

    /** The names of the default ClusterRoles, for tests and for the core's "already seeded" check. */
    public static Set<String> clusterRoleNames() {
        Set<String> s = new LinkedHashSet<>();
        for (ObjectNode o : objects()) if (o.path("kind").asText().equals("ClusterRole")) s.add(o.path("metadata").path("name").asText());
        return s;
    }
}
