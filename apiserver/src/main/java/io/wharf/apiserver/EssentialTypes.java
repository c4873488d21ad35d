package io.wharf.apiserver;

import java.util.List;

/**
 * Types the serving core itself depends on (namespaces for namespace checks, secrets for bootstrap tokens, RBAC for
 * authorization, the self reviews for `kubectl auth can-i` / `auth whoami`). Registered with the default strategy
 * only when the kinds package did not register them, so the core works on its own.
 */
final class EssentialTypes {
    private EssentialTypes() {}

    static void registerMissing(ResourceRegistry r) {
        String rbac = "rbac.authorization.k8s.io";
        List<ResourceType> types = List.of(
                ResourceType.of("", "v1", "Namespace", "namespaces", false).withShortNames("ns")
                        .withSubresources(ResourceType.Subresource.status("", "v1", "Namespace"))
                        .withVerbs("create", "delete", "get", "list", "patch", "update", "watch"),
                ResourceType.of("", "v1", "ConfigMap", "configmaps", true).withShortNames("cm"),
                ResourceType.of("", "v1", "Secret", "secrets", true),
                ResourceType.of(rbac, "v1", "ClusterRole", "clusterroles", false),
                ResourceType.of(rbac, "v1", "ClusterRoleBinding", "clusterrolebindings", false),
                ResourceType.of(rbac, "v1", "Role", "roles", true),
                ResourceType.of(rbac, "v1", "RoleBinding", "rolebindings", true),
                ResourceType.of("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false).withVerbs("create"),
                ResourceType.of("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false).withVerbs("create"));
        for (ResourceType t : types)
            if (r.byResource(t.group(), t.version(), t.plural()).isEmpty()) r.register(t, strategyOf(t));
    }

    /** Only the name rule differs from the default here: Namespace names are DNS labels, RBAC names path segments. */
    private static ResourceStrategy strategyOf(ResourceType t) {
        if (t.group().equals("rbac.authorization.k8s.io")) return NAMED_BY_PATH_SEGMENT;
        if (t.plural().equals("namespaces")) return NAMED_BY_DNS_LABEL;
        return ResourceStrategy.DEFAULT;
    }

    private static final ResourceStrategy NAMED_BY_PATH_SEGMENT = new ResourceStrategy() {
        @Override public NameRule nameRule() { return NameRule.PATH_SEGMENT; }
    };
    private static final ResourceStrategy NAMED_BY_DNS_LABEL = new ResourceStrategy() {
        @Override public NameRule nameRule() { return NameRule.DNS_LABEL; }
    };
}
