package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ServiceStrategyTest {
    final ResourceStrategy services = Fx.strategy(BuiltinTypes.SERVICES);
    final Fx.Store store = new Fx.Store();

    static ObjectNode svc(String yaml) { return Fx.yaml(yaml); }

    /** CREATE as the core runs it, then "store" the object. */
    List<FieldError> create(ObjectNode o) {
        List<FieldError> errs = new java.util.ArrayList<>(Fx.create(services, o));
        if (errs.isEmpty()) errs.addAll(services.allocate(o, null, store));
        if (errs.isEmpty()) store.objects.add(o);
        return errs;
    }

    static final String MYBLOG = """
            apiVersion: v1
            kind: Service
            metadata: {name: myblog, namespace: nohi}
            spec:
              selector: {app: myblog}
              ports: [{port: 80, targetPort: 8002}]
            """;

    @Test
    void defaultsAndClusterIpAllocation() {
        ObjectNode s = svc(MYBLOG);
        assertEquals(List.of(), create(s));
        ObjectNode spec = (ObjectNode) s.get("spec");
        assertEquals("ClusterIP", spec.path("type").asText());
        assertEquals("None", spec.path("sessionAffinity").asText());
        assertEquals("TCP", spec.at("/ports/0/protocol").asText());
        assertEquals("SingleStack", spec.path("ipFamilyPolicy").asText());
        assertEquals("IPv4", spec.at("/ipFamilies/0").asText());
        assertEquals("Cluster", spec.path("internalTrafficPolicy").asText());
        String ip = spec.path("clusterIP").asText();
        long v = ServiceStrategy.ipv4(ip);
        assertTrue(v > ServiceStrategy.ipv4("10.96.0.1") && v < ServiceStrategy.ipv4("10.111.255.255"), ip);
        assertEquals(ip, spec.at("/clusterIPs/0").asText());
        assertFalse(spec.has("nodePort"));

        ObjectNode noTarget = svc(MYBLOG.replace("name: myblog,", "name: other,").replace(", targetPort: 8002", ""));
        assertEquals(List.of(), create(noTarget));
        assertEquals(80, noTarget.at("/spec/ports/0/targetPort").asInt());
    }

    @Test
    void kubernetesServiceGetsFirstAddressAndIpsAreUnique() {
        ObjectNode k = svc("""
                {apiVersion: v1, kind: Service, metadata: {name: kubernetes, namespace: default}, spec: {ports: [{name: https, port: 443, targetPort: 6443}]}}
                """);
        assertEquals(List.of(), create(k));
        assertEquals("10.96.0.1", k.at("/spec/clusterIP").asText());
        Set<String> ips = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            ObjectNode s = svc(MYBLOG.replace("name: myblog,", "name: s" + i + ","));
            assertEquals(List.of(), create(s));
            assertTrue(ips.add(s.at("/spec/clusterIP").asText()));
            assertNotEquals("10.96.0.1", s.at("/spec/clusterIP").asText());
        }
    }

    @Test
    void requestedClusterIpConflictsUseKubernetesMessages() {
        ObjectNode dns = svc(MYBLOG.replace("name: myblog,", "name: kube-dns,").replace("selector:", "clusterIP: 10.96.0.10\n  selector:"));
        assertEquals(List.of(), create(dns));
        assertEquals("10.96.0.10", dns.at("/spec/clusterIPs/0").asText());
        ObjectNode again = svc(MYBLOG.replace("selector:", "clusterIP: 10.96.0.10\n  selector:"));
        assertEquals(List.of("spec.clusterIPs: Invalid value: []string{\"10.96.0.10\"}: failed to allocate IP 10.96.0.10: provided IP is already allocated"),
                Fx.messages(create(again)));
        ObjectNode outside = svc(MYBLOG.replace("selector:", "clusterIP: 192.168.1.1\n  selector:"));
        assertEquals(List.of("spec.clusterIPs: Invalid value: []string{\"192.168.1.1\"}: failed to allocate IP 192.168.1.1: the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"),
                Fx.messages(create(outside)));
    }

    @Test
    void nodePortsAllocatedAndChecked() {
        ObjectNode np = svc("""
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: nohi}
                spec: {type: NodePort, selector: {app: web}, ports: [{name: http, port: 80}, {name: fixed, port: 81, nodePort: 30081}]}
                """);
        assertEquals(List.of(), create(np));
        long p0 = np.at("/spec/ports/0/nodePort").asLong();
        assertTrue(p0 >= 30000 && p0 <= 32767);
        assertEquals(30081, np.at("/spec/ports/1/nodePort").asInt());
        assertEquals("Cluster", np.at("/spec/externalTrafficPolicy").asText());
        List<Object> row = services.tableRow(np);
        assertEquals("NodePort", row.get(1));
        assertEquals("<none>", row.get(3));
        assertEquals("80:" + p0 + "/TCP,81:30081/TCP", row.get(4));
        assertEquals("app=web", row.get(6));

        ObjectNode clash = svc("""
                {apiVersion: v1, kind: Service, metadata: {name: web2, namespace: nohi}, spec: {type: NodePort, ports: [{port: 80, nodePort: 30081}]}}
                """);
        assertEquals(List.of("spec.ports[0].nodePort: Invalid value: 30081: provided port is already allocated"), Fx.messages(create(clash)));
        ObjectNode range = svc("""
                {apiVersion: v1, kind: Service, metadata: {name: web3, namespace: nohi}, spec: {type: NodePort, ports: [{port: 80, nodePort: 8080}]}}
                """);
        assertEquals(List.of("spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767"),
                Fx.messages(create(range)));

        // an update without nodePorts/clusterIP keeps them (patchAllocatedValues); deleting frees the port
        ObjectNode upd = svc("""
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: nohi}
                spec: {type: NodePort, selector: {app: web}, ports: [{name: http, port: 80}, {name: fixed, port: 81, nodePort: 30081}]}
                """);
        services.applyDefaults(upd);
        services.prepareForUpdate(upd, np);
        assertEquals(List.of(), services.validateUpdate(upd, np));
        assertEquals(List.of(), services.allocate(upd, np, store));
        assertEquals(p0, upd.at("/spec/ports/0/nodePort").asLong());
        assertEquals(np.at("/spec/clusterIP").asText(), upd.at("/spec/clusterIP").asText());
        store.objects.remove(np);
        ObjectNode reuse = svc("""
                {apiVersion: v1, kind: Service, metadata: {name: web4, namespace: nohi}, spec: {type: NodePort, ports: [{port: 80, nodePort: 30081}]}}
                """);
        assertEquals(List.of(), create(reuse));
    }

    @Test
    void typeChangeDropsTheOldTypesFields() {
        ObjectNode np = svc("""
                {apiVersion: v1, kind: Service, metadata: {name: t, namespace: nohi}, spec: {type: NodePort, ports: [{port: 80}]}}
                """);
        assertEquals(List.of(), create(np));
        ObjectNode toClusterIp = np.deepCopy();
        ((ObjectNode) toClusterIp.get("spec")).put("type", "ClusterIP");
        services.applyDefaults(toClusterIp);
        services.prepareForUpdate(toClusterIp, np);
        assertEquals(List.of(), services.validateUpdate(toClusterIp, np));
        assertFalse(toClusterIp.at("/spec/ports/0").has("nodePort"));
        assertFalse(toClusterIp.at("/spec").has("externalTrafficPolicy"));
        ObjectNode toExternal = np.deepCopy();
        ((ObjectNode) toExternal.get("spec")).put("type", "ExternalName").put("externalName", "db.example.com");
        services.applyDefaults(toExternal);
        services.prepareForUpdate(toExternal, np);
        assertEquals(List.of(), services.validateUpdate(toExternal, np));
        assertFalse(toExternal.at("/spec").has("clusterIP"));
    }

    @Test
    void clusterIpIsImmutableAndNodePortForbiddenOnClusterIp() {
        ObjectNode s = svc(MYBLOG);
        create(s);
        ObjectNode changed = s.deepCopy();
        ((ObjectNode) changed.get("spec")).put("clusterIP", "10.96.5.5");
        assertEquals(List.of("spec.clusterIPs[0]: Invalid value: \"10.96.5.5\": may not change once set"),
                Fx.messages(services.validateUpdate(changed, s)).stream().filter(m -> m.startsWith("spec.clusterIPs[0]")).toList());
        ObjectNode bad = svc("""
                {apiVersion: v1, kind: Service, metadata: {name: Bad}, spec: {ports: [{port: 0, nodePort: 30001, protocol: HTTP}, {port: 81}], type: Foo}}
                """);
        List<String> m = Fx.messages(Fx.create(services, bad));
        // The name is the core's job (nameRule, applied once): the strategy must not report it a second time.
        assertTrue(m.stream().noneMatch(x -> x.startsWith("metadata.name")), m.toString());
        assertEquals(io.wharf.apiserver.NameRule.DNS_1035_LABEL, services.nameRule());
        assertTrue(services.allocatesFromSharedPool());
        assertTrue(services.nameRule().check("Bad").getFirst().startsWith("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"), m.toString());
        assertTrue(m.contains("spec.type: Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""), m.toString());
        assertTrue(m.contains("spec.ports[0].name: Required value"), m.toString());
        assertTrue(m.contains("spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"), m.toString());
        assertTrue(m.contains("spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""), m.toString());
        assertTrue(m.contains("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'Foo'"), m.toString());
        ObjectNode noPorts = svc("{apiVersion: v1, kind: Service, metadata: {name: np}, spec: {selector: {a: b}}}");
        assertEquals(List.of("spec.ports: Required value"), Fx.messages(Fx.create(services, noPorts)));
        ObjectNode headless = svc("{apiVersion: v1, kind: Service, metadata: {name: h}, spec: {clusterIP: None, selector: {a: b}}}");
        assertEquals(List.of(), create(headless));
        assertEquals("None", headless.at("/spec/clusterIPs/0").asText());
        assertEquals("None", services.tableRow(headless).get(2));
    }

    @Test
    void externalNameAndLoadBalancer() {
        ObjectNode en = svc("{apiVersion: v1, kind: Service, metadata: {name: ext, namespace: nohi}, spec: {type: ExternalName, externalName: db.example.com}}");
        assertEquals(List.of(), create(en));
        assertFalse(en.at("/spec").has("clusterIP"));
        assertEquals(List.of("ext", "ExternalName", "<none>", "db.example.com", "<none>"), services.tableRow(en).subList(0, 5));
        ObjectNode lb = svc("{apiVersion: v1, kind: Service, metadata: {name: lb, namespace: nohi}, spec: {type: LoadBalancer, ports: [{port: 443}]}}");
        assertEquals(List.of(), create(lb));
        assertTrue(lb.at("/spec/ports/0/nodePort").asInt() >= 30000);
        assertEquals("<pending>", services.tableRow(lb).get(3));
    }
}
