package io.wharf.apiserver;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * CONTRACT (serving core <-> io.wharf.apiserver.kinds). One served REST resource, i.e. what discovery says about it.
 *
 * <ul>
 *   <li>{@code group} is "" for the core group (served under /api/v1), otherwise e.g. "apps" (under /apis/apps/v1).</li>
 *   <li>{@code plural} is the URL segment and the RBAC resource name ("deployments"); {@code singular} is "deployment".</li>
 *   <li>{@code verbs}: the Kubernetes verbs discovery lists, e.g. {@link #ALL_VERBS}. The server refuses (405) verbs not listed.</li>
 *   <li>{@code subresources}: e.g. status, scale, binding, eviction, log, exec, attach, portforward, token, ephemeralcontainers.
 *       The serving core implements status (generic), scale (generic: spec.replicas / status.replicas / spec.selector),
 *       pods/binding, pods/eviction, serviceaccounts/token, and answers log/exec/attach/portforward with a clear error
 *       until a node agent exists. A subresource must be listed here to be served and discovered.</li>
 *   <li>{@code listKind} defaults to kind + "List".</li>
 * </ul>
 * Instances are immutable; build them with {@link #of} and the {@code with...} methods.
 */
public record ResourceType(String group, String version, String kind, String plural, String singular, boolean namespaced,
                           List<String> shortNames, List<String> categories, Set<String> verbs,
                           List<Subresource> subresources, String listKind) {

    public static final Set<String> ALL_VERBS = Set.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    public ResourceType {
        Objects.requireNonNull(group, "group");
        if (version == null || version.isBlank()) throw new IllegalArgumentException("version required");
        if (kind == null || kind.isBlank()) throw new IllegalArgumentException("kind required");
        if (plural == null || !plural.equals(plural.toLowerCase()) || plural.isBlank()) throw new IllegalArgumentException("plural must be lower case: " + plural);
        if (singular == null || singular.isBlank()) singular = kind.toLowerCase();
        shortNames = List.copyOf(shortNames == null ? List.of() : shortNames);
        categories = List.copyOf(categories == null ? List.of() : categories);
        verbs = Set.copyOf(verbs == null ? ALL_VERBS : verbs);
        subresources = List.copyOf(subresources == null ? List.of() : subresources);
        if (listKind == null || listKind.isBlank()) listKind = kind + "List";
    }

    /** A type with all eight verbs, no short names, categories or subresources. */
    public static ResourceType of(String group, String version, String kind, String plural, boolean namespaced) {
        return new ResourceType(group, version, kind, plural, kind.toLowerCase(), namespaced, List.of(), List.of(), ALL_VERBS, List.of(), null);
    }

    public ResourceType withShortNames(String... s) { return new ResourceType(group, version, kind, plural, singular, namespaced, List.of(s), categories, verbs, subresources, listKind); }
    public ResourceType withCategories(String... c) { return new ResourceType(group, version, kind, plural, singular, namespaced, shortNames, List.of(c), verbs, subresources, listKind); }
    public ResourceType withVerbs(String... v) { return new ResourceType(group, version, kind, plural, singular, namespaced, shortNames, categories, Set.of(v), subresources, listKind); }
    public ResourceType withSubresources(Subresource... s) { return new ResourceType(group, version, kind, plural, singular, namespaced, shortNames, categories, verbs, List.of(s), listKind); }

    /** "v1" or "apps/v1", the value of an object's apiVersion field. */
    public String apiVersion() { return group.isEmpty() ? version : group + "/" + version; }

    /** "pods" or "deployments.apps", as used in error messages ("deployments.apps \"x\" not found"). */
    public String qualifiedPlural() { return group.isEmpty() ? plural : plural + "." + group; }

    /** "Pod" or "Deployment.apps", as used in Invalid messages ("Deployment.apps \"x\" is invalid: ..."). */
    public String qualifiedKind() { return group.isEmpty() ? kind : kind + "." + group; }

    public boolean hasSubresource(String name) { return subresource(name).isPresent(); }

    public Optional<Subresource> subresource(String name) {
        return subresources.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * A subresource. {@code group/version/kind} is what it returns (status: the parent's kind; scale: autoscaling/v1 Scale;
     * binding: v1 Binding; eviction: policy/v1 Eviction; log/exec/...: the parent's kind, as real Kubernetes reports).
     */
    public record Subresource(String name, String group, String version, String kind, Set<String> verbs) {
        public Subresource {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("subresource name required");
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(kind, "kind");
            verbs = Set.copyOf(verbs);
        }

        /** status of a type: get, patch, update, returning the parent kind. */
        public static Subresource status(String group, String version, String kind) {
            return new Subresource("status", group, version, kind, Set.of("get", "patch", "update"));
        }

        /** scale: get, patch, update, returning autoscaling/v1 Scale. */
        public static Subresource scale() {
            return new Subresource("scale", "autoscaling", "v1", "Scale", Set.of("get", "patch", "update"));
        }
    }
}
