package io.wharf.apiserver.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceRegistry;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.Json;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Discovery documents (kubectl-wire.md section 2): legacy APIVersions / APIGroupList / APIGroup / APIResourceList, and
 * aggregated APIGroupDiscoveryList in apidiscovery.k8s.io v2 and v2beta1. Built from the registry on each call
 * (cheap; the registry is fixed after start).
 */
public final class Discovery {
    public static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    public static final String AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private final ResourceRegistry registry;

    public Discovery(ResourceRegistry registry) {
        this.registry = registry;
    }

    /** The aggregated content type the Accept header asks for, or null for the legacy form. */
    public static String aggregatedType(String accept) {
        if (accept == null) return null;
        for (String part : accept.split(",")) {
            String p = part.replace(" ", "");
            if (!p.contains("as=APIGroupDiscoveryList") || !p.contains("g=apidiscovery.k8s.io")) continue;
            if (p.contains("v=v2beta1")) return AGGREGATED_V2BETA1;
            if (p.contains("v=v2;") || p.endsWith("v=v2")) return AGGREGATED_V2;
        }
        return null;
    }

    public ObjectNode apiVersions(String serverAddress) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", "APIVersions");
        o.putArray("versions").add("v1");
        o.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
        return o;
    }

    public ObjectNode apiGroupList() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", "APIGroupList");
        o.put("apiVersion", "v1");
        ArrayNode groups = o.putArray("groups");
        for (var e : registry.groupVersions().entrySet()) if (!e.getKey().isEmpty()) groups.add(apiGroup(e.getKey(), e.getValue(), false));
        return o;
    }

    public ObjectNode apiGroup(String group) {
        List<String> vs = registry.groupVersions().get(group);
        if (vs == null || group.isEmpty()) return null;
        return apiGroup(group, vs, true);
    }

    private ObjectNode apiGroup(String group, List<String> versions, boolean withKind) {
        ObjectNode g = Json.MAPPER.createObjectNode();
        if (withKind) { g.put("kind", "APIGroup"); g.put("apiVersion", "v1"); }
        g.put("name", group);
        ArrayNode vs = g.putArray("versions");
        for (String v : versions) vs.addObject().put("groupVersion", group + "/" + v).put("version", v);
        g.putObject("preferredVersion").put("groupVersion", group + "/" + versions.getFirst()).put("version", versions.getFirst());
        return g;
    }

    public ObjectNode resourceList(String group, String version) {
        List<ResourceRegistry.Entry> types = registry.of(group, version);
        if (types.isEmpty()) return null;
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", "APIResourceList");
        o.put("apiVersion", "v1");
        o.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode rs = o.putArray("resources");
        for (ResourceRegistry.Entry e : types) {
            ResourceType t = e.type();
            ObjectNode r = rs.addObject();
            r.put("name", t.plural());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            verbs(r.putArray("verbs"), t.verbs());
            if (!t.shortNames().isEmpty()) { ArrayNode a = r.putArray("shortNames"); t.shortNames().forEach(a::add); }
            if (!t.categories().isEmpty()) { ArrayNode a = r.putArray("categories"); t.categories().forEach(a::add); }
            for (ResourceType.Subresource s : t.subresources()) {
                ObjectNode sr = rs.addObject();
                sr.put("name", t.plural() + "/" + s.name());
                sr.put("singularName", "");
                sr.put("namespaced", t.namespaced());
                if (!s.group().equals(t.group())) sr.put("group", s.group());
                if (!s.version().equals(t.version())) sr.put("version", s.version());
                sr.put("kind", s.kind());
                verbs(sr.putArray("verbs"), s.verbs());
            }
        }
        return o;
    }

    private static void verbs(ArrayNode a, java.util.Set<String> verbs) {
        new TreeSet<>(verbs).forEach(a::add);
    }

    /** Aggregated discovery for /api (core == true) or /apis. */
    public ObjectNode aggregated(boolean core, String contentType) {
        String v = contentType.equals(AGGREGATED_V2BETA1) ? "v2beta1" : "v2";
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", "APIGroupDiscoveryList");
        o.put("apiVersion", "apidiscovery.k8s.io/" + v);
        o.putObject("metadata");
        ArrayNode items = o.putArray("items");
        for (Map.Entry<String, List<String>> g : registry.groupVersions().entrySet()) {
            if (core != g.getKey().isEmpty()) continue;
            ObjectNode item = items.addObject();
            item.putObject("metadata").put("name", g.getKey());
            ArrayNode versions = item.putArray("versions");
            for (String ver : g.getValue()) {
                ObjectNode vo = versions.addObject();
                vo.put("version", ver);
                ArrayNode res = vo.putArray("resources");
                for (ResourceRegistry.Entry e : registry.of(g.getKey(), ver)) {
                    ResourceType t = e.type();
                    ObjectNode r = res.addObject();
                    r.put("resource", t.plural());
                    r.putObject("responseKind").put("group", t.group()).put("version", t.version()).put("kind", t.kind());
                    r.put("scope", t.namespaced() ? "Namespaced" : "Cluster");
                    r.put("singularResource", t.singular());
                    verbs(r.putArray("verbs"), t.verbs());
                    if (!t.shortNames().isEmpty()) { ArrayNode a = r.putArray("shortNames"); t.shortNames().forEach(a::add); }
                    if (!t.categories().isEmpty()) { ArrayNode a = r.putArray("categories"); t.categories().forEach(a::add); }
                    if (!t.subresources().isEmpty()) {
                        ArrayNode subs = r.putArray("subresources");
                        for (ResourceType.Subresource s : t.subresources()) {
                            ObjectNode so = subs.addObject();
                            so.put("subresource", s.name());
                            so.putObject("responseKind").put("group", s.group()).put("version", s.version()).put("kind", s.kind());
                            verbs(so.putArray("verbs"), s.verbs());
                        }
                    }
                }
                vo.put("freshness", "Current");
            }
        }
        return o;
    }
}
