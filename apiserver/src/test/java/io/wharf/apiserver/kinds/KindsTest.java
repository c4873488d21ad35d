package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.KindsProvider;
import io.wharf.apiserver.ResourceRegistry;
import io.wharf.apiserver.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class KindsTest {

    ResourceRegistry registry() {
        ResourceRegistry r = new ResourceRegistry();
        KindsProvider p = KindsProvider.load();
        assertNotNull(p, "the serving core finds io.wharf.apiserver.kinds.Kinds");
        p.registerAll(r);
        return r;
    }

    @Test
    void discoveryDataAsKubernetesReportsIt() {
        ResourceRegistry r = registry();
        assertEquals(BuiltinTypes.all().size(), r.all().size());
        ResourceType pods = r.byResource("", "v1", "pods").orElseThrow().type();
        assertEquals(List.of("po"), pods.shortNames());
        assertEquals(List.of("all"), pods.categories());
        assertTrue(pods.namespaced());
        assertEquals(Set.of("attach", "binding", "eviction", "exec", "log", "portforward", "status"),
                new HashSet<>(pods.subresources().stream().map(ResourceType.Subresource::name).toList()));
        assertEquals("Eviction", pods.subresource("eviction").orElseThrow().kind());
        assertEquals("policy", pods.subresource("eviction").orElseThrow().group());
        ResourceType deploy = r.byKind("apps", "v1", "Deployment").orElseThrow().type();
        assertEquals("deployments", deploy.plural());
        assertEquals("deployment", deploy.singular());
        assertEquals(List.of("deploy"), deploy.shortNames());
        assertEquals("Scale", deploy.subresource("scale").orElseThrow().kind());
        assertEquals(ResourceType.ALL_VERBS, deploy.verbs());
        ResourceType ns = r.byResource("", "v1", "namespaces").orElseThrow().type();
        assertFalse(ns.namespaced());
        assertFalse(ns.verbs().contains("deletecollection"));
        assertEquals(Set.of("create"), r.byResource("authorization.k8s.io", "v1", "selfsubjectaccessreviews").orElseThrow().type().verbs());
        String[][] shorts = {{"services", "svc"}, {"configmaps", "cm"}, {"nodes", "no"}, {"endpoints", "ep"}, {"events", "ev"},
                {"serviceaccounts", "sa"}, {"limitranges", "limits"}, {"resourcequotas", "quota"}};
        for (String[] s : shorts) assertEquals(List.of(s[1]), r.byResource("", "v1", s[0]).orElseThrow().type().shortNames(), s[0]);
        assertEquals(List.of("rs"), r.byResource("apps", "v1", "replicasets").orElseThrow().type().shortNames());
        assertEquals(List.of("ds"), r.byResource("apps", "v1", "daemonsets").orElseThrow().type().shortNames());
        assertEquals(List.of("sts"), r.byResource("apps", "v1", "statefulsets").orElseThrow().type().shortNames());
        assertEquals(List.of("cj"), r.byResource("batch", "v1", "cronjobs").orElseThrow().type().shortNames());
        assertEquals(List.of("ing"), r.byResource("networking.k8s.io", "v1", "ingresses").orElseThrow().type().shortNames());
        assertEquals(List.of("netpol"), r.byResource("networking.k8s.io", "v1", "networkpolicies").orElseThrow().type().shortNames());
        assertEquals(List.of("pc"), r.byResource("scheduling.k8s.io", "v1", "priorityclasses").orElseThrow().type().shortNames());
        // the storage and policy kinds kube-scheduler and `kubectl get pv,pvc,sc,rc,pdb` need
        assertEquals(List.of("pv"), r.byResource("", "v1", "persistentvolumes").orElseThrow().type().shortNames());
        assertFalse(r.byResource("", "v1", "persistentvolumes").orElseThrow().type().namespaced());
        assertEquals(List.of("pvc"), r.byResource("", "v1", "persistentvolumeclaims").orElseThrow().type().shortNames());
        assertTrue(r.byResource("", "v1", "persistentvolumeclaims").orElseThrow().type().subresource("status").isPresent());
        ResourceType rc = r.byResource("", "v1", "replicationcontrollers").orElseThrow().type();
        assertEquals(List.of("rc"), rc.shortNames());
        assertEquals(Set.of("scale", "status"), new HashSet<>(rc.subresources().stream().map(ResourceType.Subresource::name).toList()));
        assertEquals(List.of("pdb"), r.byResource("policy", "v1", "poddisruptionbudgets").orElseThrow().type().shortNames());
        assertEquals(List.of("sc"), r.byResource("storage.k8s.io", "v1", "storageclasses").orElseThrow().type().shortNames());
        for (String p : List.of("storageclasses", "csinodes", "csidrivers", "volumeattachments"))
            assertFalse(r.byResource("storage.k8s.io", "v1", p).orElseThrow().type().namespaced(), p);
        assertEquals("TokenRequest", r.byResource("", "v1", "serviceaccounts").orElseThrow().type().subresource("token").orElseThrow().kind());
        assertEquals(List.of("", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
                "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io"), List.copyOf(r.groupVersions().keySet()));
        for (ResourceRegistry.Entry e : r.all()) {
            assertEquals(e.strategy().tableColumns().size(), e.strategy().tableRow(minimal(e.type())).size(), e.type().kind());
        }
    }

    @Test
    void eachKindChoosesItsNameRuleAndOnlyServicesSerializeAllocation() {
        ResourceRegistry r = registry();
        for (ResourceRegistry.Entry e : r.all()) {
            io.wharf.apiserver.NameRule want = switch (e.type().group() + "/" + e.type().kind()) {
                case "/Namespace" -> io.wharf.apiserver.NameRule.DNS_LABEL;
                case "/Service" -> io.wharf.apiserver.NameRule.DNS_1035_LABEL;
                case "rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/ClusterRole",
                     "rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding" -> io.wharf.apiserver.NameRule.PATH_SEGMENT;
                default -> io.wharf.apiserver.NameRule.DNS_SUBDOMAIN;
            };
            assertEquals(want, e.strategy().nameRule(), e.type().kind());
            assertEquals(e.type().kind().equals("Service"), e.strategy().allocatesFromSharedPool(), e.type().kind());
        }
        assertEquals(List.of(), io.wharf.apiserver.NameRule.PATH_SEGMENT.check("system:node"));
        assertEquals(List.of("may not contain '/'"), io.wharf.apiserver.NameRule.PATH_SEGMENT.check("a/b"));
        assertEquals(List.of("may not be '..'"), io.wharf.apiserver.NameRule.PATH_SEGMENT.check(".."));
        assertEquals(1, io.wharf.apiserver.NameRule.DNS_SUBDOMAIN.check("system:node").size());
    }

    static ObjectNode minimal(ResourceType t) {
        ObjectNode o = Fx.yaml("{metadata: {name: x, creationTimestamp: '2024-01-01T00:00:00Z'}}");
        o.put("apiVersion", t.apiVersion()).put("kind", t.kind());
        return o;
    }

    @Test
    void bootstrapPolicyHasTheDefaultRoles() {
        List<ObjectNode> objs = new Kinds().bootstrapObjects();
        Set<String> roles = BootstrapPolicy.clusterRoleNames();
        for (String n : List.of("cluster-admin", "admin", "edit", "view", "system:node", "system:basic-user", "system:discovery",
                "system:public-info-viewer", "system:kube-scheduler", "system:kube-controller-manager", "system:node-bootstrapper"))
            assertTrue(roles.contains(n), n);
        ObjectNode crb = objs.stream().filter(o -> o.path("kind").asText().equals("ClusterRoleBinding")
                && o.at("/metadata/name").asText().equals("cluster-admin")).findFirst().orElseThrow();
        assertEquals("system:masters", crb.at("/subjects/0/name").asText());
        ObjectNode view = objs.stream().filter(o -> o.at("/metadata/name").asText().equals("view")).findFirst().orElseThrow();
        boolean viewWrites = false;
        for (var rule : view.path("rules")) for (var v : rule.path("verbs")) if (!Set.of("get", "list", "watch").contains(v.asText())) viewWrites = true;
        assertFalse(viewWrites, "view is read-only");
        // every bootstrap object is valid for its own strategy
        Kinds k = new Kinds();
        for (ObjectNode o : objs) {
            ResourceType t = switch (o.path("kind").asText()) {
                case "ClusterRole" -> BuiltinTypes.CLUSTERROLES;
                case "ClusterRoleBinding" -> BuiltinTypes.CLUSTERROLEBINDINGS;
                default -> BuiltinTypes.PRIORITYCLASSES;
            };
            assertEquals(List.of(), Fx.create(k.strategyFor(t), o.deepCopy()), o.at("/metadata/name").asText());
        }
    }
}
