package io.wharf.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ObjectReader;
import io.wharf.apiserver.ResourceType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * RBAC authorization from the Role / ClusterRole / RoleBinding / ClusterRoleBinding objects in the store, after
 * k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac. system:masters bypasses it. ClusterRoles with an aggregationRule
 * get the rules of the ClusterRoles their selectors match (what the clusterrole-aggregation controller writes).
 * The policy is re-read when the store revision changed since the last read.
 */
public final class Rbac {
    public static final String GROUP = "rbac.authorization.k8s.io";
    public static final ResourceType ROLES = ResourceType.of(GROUP, "v1", "Role", "roles", true);
    public static final ResourceType CLUSTER_ROLES = ResourceType.of(GROUP, "v1", "ClusterRole", "clusterroles", false);
    public static final ResourceType ROLE_BINDINGS = ResourceType.of(GROUP, "v1", "RoleBinding", "rolebindings", true);
    public static final ResourceType CLUSTER_ROLE_BINDINGS = ResourceType.of(GROUP, "v1", "ClusterRoleBinding", "clusterrolebindings", false);

    /** What a request asks to do. For non-resource requests {@code path} is set and the resource fields are empty. */
    public record Attributes(String verb, String apiGroup, String resource, String subresource, String namespace, String name,
                             String path, boolean resourceRequest) {}

    public record Decision(boolean allowed, String reason) {}

    private final ObjectReader objects;
    private final LongSupplier revision;
    private final LongSupplier changes;
    private volatile Snapshot snapshot;

    private record Snapshot(long changes, long revision, List<ObjectNode> roles, Map<String, ObjectNode> clusterRoles,
                            List<ObjectNode> roleBindings, List<ObjectNode> clusterRoleBindings) {}

    /**
     * @param revision the store's current revision
     * @param changes  a counter that moves whenever an RBAC object may have changed (fed by a watch on the four
     *                 RBAC prefixes): the policy is re-read only then, not on every write of any object
     */
    public Rbac(ObjectReader objects, LongSupplier revision, LongSupplier changes) {
        this.objects = objects;
        this.revision = revision;
        this.changes = changes;
    }

    /** Without a change feed: re-reads the policy whenever the store revision moved. */
    public Rbac(ObjectReader objects, LongSupplier revision) {
        this(objects, revision, revision);
    }

    private Snapshot snapshot(boolean fresh) {
        long ch = changes.getAsLong();
        Snapshot s = snapshot;
        if (s != null && s.changes == ch && !fresh) return s;
        long rev = revision.getAsLong();
        if (s != null && fresh && s.revision == rev) return s;
        Map<String, ObjectNode> crs = new HashMap<>();
        for (ObjectNode cr : objects.list(CLUSTER_ROLES, null)) crs.put(cr.path("metadata").path("name").asText(), cr);
        s = new Snapshot(ch, rev, objects.list(ROLES, null), crs, objects.list(ROLE_BINDINGS, null), objects.list(CLUSTER_ROLE_BINDINGS, null));
        snapshot = s;
        return s;
    }

    public Decision authorize(UserInfo user, Attributes a) {
        if (user.isMaster()) return new Decision(true, "system:masters");
        Decision d = authorize(snapshot(false), user, a);
        // A denial is re-checked against the current policy when anything was written since the snapshot, so a
        // binding created a moment ago is honoured even before the change feed has delivered it.
        return d.allowed() ? d : authorize(snapshot(true), user, a);
    }

    private Decision authorize(Snapshot s, UserInfo user, Attributes a) {
        for (ObjectNode b : s.clusterRoleBindings) {
            if (!subjectMatches(b, user, null)) continue;
            JsonNode ref = b.path("roleRef");
            if (!ref.path("kind").asText().equals("ClusterRole")) continue;
            if (allows(clusterRoleRules(s, ref.path("name").asText()), a))
                return new Decision(true, "RBAC: allowed by ClusterRoleBinding \"" + b.path("metadata").path("name").asText() + "\"");
        }
        if (a.resourceRequest && a.namespace != null && !a.namespace.isEmpty()) {
            for (ObjectNode b : s.roleBindings) {
                String ns = b.path("metadata").path("namespace").asText();
                if (!ns.equals(a.namespace) || !subjectMatches(b, user, ns)) continue;
                JsonNode ref = b.path("roleRef");
                List<JsonNode> rules;
                if (ref.path("kind").asText().equals("ClusterRole")) rules = clusterRoleRules(s, ref.path("name").asText());
                else rules = roleRules(s, ns, ref.path("name").asText());
                if (allows(rules, a))
                    return new Decision(true, "RBAC: allowed by RoleBinding \"" + b.path("metadata").path("name").asText() + "/" + ns + "\"");
            }
        }
        return new Decision(false, "");
    }

    private static List<JsonNode> roleRules(Snapshot s, String ns, String name) {
        for (ObjectNode r : s.roles)
            if (r.path("metadata").path("namespace").asText().equals(ns) && r.path("metadata").path("name").asText().equals(name)) {
                List<JsonNode> out = new ArrayList<>();
                r.path("rules").forEach(out::add);
                return out;
            }
        return List.of();
    }

    private static List<JsonNode> clusterRoleRules(Snapshot s, String name) {
        ObjectNode cr = s.clusterRoles.get(name);
        if (cr == null) return List.of();
        List<JsonNode> out = new ArrayList<>();
        cr.path("rules").forEach(out::add);
        JsonNode agg = cr.path("aggregationRule").path("clusterRoleSelectors");
        if (agg.isArray() && !agg.isEmpty()) {
            for (ObjectNode other : s.clusterRoles.values()) {
                if (other == cr) continue;
                JsonNode labels = other.path("metadata").path("labels");
                for (JsonNode sel : agg) {
                    if (selectorMatches(sel, labels)) { other.path("rules").forEach(out::add); break; }
                }
            }
        }
        return out;
    }

    private static boolean selectorMatches(JsonNode sel, JsonNode labels) {
        var it = sel.path("matchLabels").fields();
        boolean any = false;
        while (it.hasNext()) {
            var e = it.next();
            any = true;
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) return false;
        }
        for (JsonNode me : sel.path("matchExpressions")) {
            any = true;
            String v = labels.path(me.path("key").asText()).asText(null);
            List<String> vals = new ArrayList<>();
            me.path("values").forEach(x -> vals.add(x.asText()));
            boolean ok = switch (me.path("operator").asText()) {
                case "In" -> v != null && vals.contains(v);
                case "NotIn" -> v == null || !vals.contains(v);
                case "Exists" -> v != null;
                case "DoesNotExist" -> v == null;
                default -> false;
            };
            if (!ok) return false;
        }
        return any;
    }

    private static boolean subjectMatches(JsonNode binding, UserInfo user, String bindingNamespace) {
        for (JsonNode s : binding.path("subjects")) {
            String kind = s.path("kind").asText();
            String name = s.path("name").asText();
            switch (kind) {
                case "User" -> { if (name.equals(user.name())) return true; }
                case "Group" -> { if (user.groups().contains(name)) return true; }
                case "ServiceAccount" -> {
                    String ns = s.path("namespace").asText(bindingNamespace == null ? "" : bindingNamespace);
                    if (("system:serviceaccount:" + ns + ":" + name).equals(user.name())) return true;
                }
                default -> { }
            }
        }
        return false;
    }

    static boolean allows(List<JsonNode> rules, Attributes a) {
        for (JsonNode r : rules) if (ruleAllows(r, a)) return true;
        return false;
    }

    static boolean ruleAllows(JsonNode r, Attributes a) {
        if (!contains(r.path("verbs"), a.verb)) return false;
        if (!a.resourceRequest) {
            for (JsonNode u : r.path("nonResourceURLs")) {
                String p = u.asText();
                if (p.equals("*") || p.equals(a.path) || (p.endsWith("*") && a.path.startsWith(p.substring(0, p.length() - 1)))) return true;
            }
            return false;
        }
        if (!contains(r.path("apiGroups"), a.apiGroup)) return false;
        String combined = a.subresource == null || a.subresource.isEmpty() ? a.resource : a.resource + "/" + a.subresource;
        boolean resOk = false;
        for (JsonNode x : r.path("resources")) {
            String v = x.asText();
            if (v.equals("*") || v.equals(combined) || (v.startsWith("*/") && a.subresource != null && v.substring(2).equals(a.subresource))) { resOk = true; break; }
        }
        if (!resOk) return false;
        JsonNode names = r.path("resourceNames");
        if (names.isArray() && !names.isEmpty()) return a.name != null && contains(names, a.name) && !a.name.isEmpty();
        return true;
    }

    private static boolean contains(JsonNode arr, String v) {
        for (JsonNode x : arr) if (x.asText().equals("*") || x.asText().equals(v)) return true;
        return false;
    }
}
