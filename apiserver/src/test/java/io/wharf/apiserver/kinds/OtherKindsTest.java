package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OtherKindsTest {
    final ResourceStrategy ingresses = Fx.strategy(BuiltinTypes.INGRESSES);
    final ResourceStrategy clusterRoles = Fx.strategy(BuiltinTypes.CLUSTERROLES);
    final ResourceStrategy roles = Fx.strategy(BuiltinTypes.ROLES);
    final ResourceStrategy roleBindings = Fx.strategy(BuiltinTypes.ROLEBINDINGS);
    final ResourceStrategy clusterRoleBindings = Fx.strategy(BuiltinTypes.CLUSTERROLEBINDINGS);
    final ResourceStrategy priorityClasses = Fx.strategy(BuiltinTypes.PRIORITYCLASSES);
    final ResourceStrategy slices = Fx.strategy(BuiltinTypes.ENDPOINTSLICES);
    final ResourceStrategy netpols = Fx.strategy(BuiltinTypes.NETWORKPOLICIES);
    final ResourceStrategy ingressClasses = Fx.strategy(BuiltinTypes.INGRESSCLASSES);
    final ResourceStrategy leases = Fx.strategy(BuiltinTypes.LEASES);

    static final String INGRESS = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: myblog, namespace: nohi}
            spec:
              ingressClassName: nginx
              tls: [{hosts: [myblog.pod.com], secretName: https-secret}]
              rules:
              - host: myblog.pod.com
                http:
                  paths:
                  - path: /
                    pathType: Prefix
                    backend: {service: {name: myblog, port: {number: 80}}}
            """;

    @Test
    void ingressValidationAndTable() {
        ObjectNode ing = Fx.yaml(INGRESS);
        assertEquals(List.of(), Fx.create(ingresses, ing));
        assertEquals(List.of("myblog", "nginx", "myblog.pod.com", "", "80, 443"), ingresses.tableRow(ing).subList(0, 5));
        ObjectNode bad = Fx.yaml(INGRESS.replace("pathType: Prefix", "pathType: ''").replace("host: myblog.pod.com", "host: Bad_Host")
                .replace("path: /", "path: blog").replace("{number: 80}", "{}"));
        List<String> m = Fx.messages(Fx.create(ingresses, bad));
        assertTrue(m.contains("spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"), m.toString());
        assertTrue(m.contains("spec.rules[0].http.paths[0].backend.service.port: Required value: port name or number is required"), m.toString());
        assertTrue(m.stream().anyMatch(s -> s.startsWith("spec.rules[0].host: Invalid value: \"Bad_Host\": a lowercase RFC 1123 subdomain")), m.toString());
        ObjectNode exact = Fx.yaml(INGRESS.replace("pathType: Prefix", "pathType: Exact").replace("path: /", "path: blog"));
        assertEquals(List.of("spec.rules[0].http.paths[0].path: Invalid value: \"blog\": must be an absolute path"), Fx.messages(Fx.create(ingresses, exact)));
        ObjectNode wildcard = Fx.yaml(INGRESS.replace("host: myblog.pod.com", "host: '*.pod.com'"));
        assertEquals(List.of(), Fx.create(ingresses, wildcard));
        ObjectNode ic = Fx.yaml("{apiVersion: networking.k8s.io/v1, kind: IngressClass, metadata: {name: nginx}, spec: {controller: k8s.io/ingress-nginx}}");
        assertEquals(List.of(), Fx.create(ingressClasses, ic));
        assertEquals(List.of("nginx", "k8s.io/ingress-nginx", "<none>"), ingressClasses.tableRow(ic).subList(0, 3));
    }

    @Test
    void rbacNamesRulesAndBindings() {
        ObjectNode cr = Fx.yaml("""
                {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: "system:ingress", creationTimestamp: "2024-05-01T10:00:00Z"},
                 rules: [{apiGroups: [""], resources: [pods], verbs: [get]}, {nonResourceURLs: [/healthz], verbs: [get]}]}
                """);
        assertEquals(List.of(), Fx.create(clusterRoles, cr), "colons are fine in RBAC names");
        assertEquals(List.of("system:ingress", "2024-05-01T10:00:00Z"), clusterRoles.tableRow(cr));
        ObjectNode role = Fx.yaml("{apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: r}, rules: [{resources: [pods]}, {nonResourceURLs: [/x], verbs: [get]}]}");
        assertEquals(List.of("rules[0].verbs: Required value: verbs must contain at least one value",
                        "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
                        "rules[1].nonResourceURLs: Invalid value: []string{\"/x\"}: namespaced rules cannot apply to non-resource URLs"),
                Fx.messages(Fx.create(roles, role)));
        ObjectNode rb = Fx.yaml("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: rb, namespace: nohi}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
                subjects:
                - {kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}
                - {kind: Group, apiGroup: rbac.authorization.k8s.io, name: devs}
                - {kind: ServiceAccount, name: default, namespace: nohi}
                """);
        assertEquals(List.of(), Fx.create(roleBindings, rb));
        List<Object> row = roleBindings.tableRow(rb);
        assertEquals("ClusterRole/view", row.get(1));
        assertEquals(List.of("alice", "devs", "nohi:default"), row.subList(3, 6));
        ObjectNode changed = rb.deepCopy();
        ((ObjectNode) changed.get("roleRef")).put("name", "edit");
        assertEquals(List.of("roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"edit\"}: cannot change roleRef"),
                Fx.messages(roleBindings.validateUpdate(changed, rb)));
        ObjectNode crb = Fx.yaml("""
                {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: x},
                 roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}, subjects: [{kind: ServiceAccount, name: sa}]}
                """);
        assertEquals(List.of("roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"", "subjects[0].namespace: Required value"),
                Fx.messages(Fx.create(clusterRoleBindings, crb)));
    }

    @Test
    void priorityClassEndpointSliceNetworkPolicyLease() {
        ObjectNode pc = Fx.yaml("{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: high}, value: 1000000}");
        assertEquals(List.of(), Fx.create(priorityClasses, pc));
        assertEquals("PreemptLowerPriority", pc.path("preemptionPolicy").asText());
        assertEquals(List.of("high", 1000000L, false), priorityClasses.tableRow(pc).subList(0, 3));
        ObjectNode sys = Fx.yaml("{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: system-mine}, value: 2000000000}");
        assertEquals(List.of("metadata.name: Invalid value: \"system-mine\": priority class names with 'system-' prefix are reserved for system use only",
                        "value: Forbidden: maximum allowed value of a user defined priority is 1000000000"),
                Fx.messages(Fx.create(priorityClasses, sys)));

        ObjectNode es = Fx.yaml("""
                {apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: myblog-abc}, addressType: IPv4,
                 endpoints: [{addresses: [10.244.0.5]}, {addresses: [10.244.0.6]}], ports: [{port: 8002}]}
                """);
        assertEquals(List.of(), Fx.create(slices, es));
        assertEquals("TCP", es.at("/ports/0/protocol").asText());
        assertEquals(List.of("myblog-abc", "IPv4", "8002", "10.244.0.5,10.244.0.6"), slices.tableRow(es).subList(0, 4));

        ObjectNode np = Fx.yaml("{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: deny}, spec: {podSelector: {}}}");
        assertEquals(List.of(), Fx.create(netpols, np));
        assertEquals("Ingress", np.at("/spec/policyTypes/0").asText());
        assertEquals("<none>", netpols.tableRow(np).get(1));

        ObjectNode lease = Fx.yaml("{apiVersion: coordination.k8s.io/v1, kind: Lease, metadata: {name: node1}, spec: {holderIdentity: node1, leaseDurationSeconds: 40}}");
        assertEquals(List.of(), Fx.create(leases, lease));
        assertEquals("node1", leases.tableRow(lease).get(1));
    }
}
