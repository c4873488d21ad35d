package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CoreKindsTest {
    final ResourceStrategy namespaces = Fx.strategy(BuiltinTypes.NAMESPACES);
    final ResourceStrategy configMaps = Fx.strategy(BuiltinTypes.CONFIGMAPS);
    final ResourceStrategy secrets = Fx.strategy(BuiltinTypes.SECRETS);
    final ResourceStrategy nodes = Fx.strategy(BuiltinTypes.NODES);
    final ResourceStrategy endpoints = Fx.strategy(BuiltinTypes.ENDPOINTS);
    final ResourceStrategy events = Fx.strategy(BuiltinTypes.EVENTS);
    final ResourceStrategy quotas = Fx.strategy(BuiltinTypes.RESOURCEQUOTAS);

    @Test
    void namespaceDefaultsAndName() {
        ObjectNode ns = Fx.yaml("{apiVersion: v1, kind: Namespace, metadata: {name: nohi}}");
        assertEquals(List.of(), Fx.create(namespaces, ns));
        assertEquals("Active", ns.at("/status/phase").asText());
        assertEquals("kubernetes", ns.at("/spec/finalizers/0").asText());
        assertEquals("nohi", ns.at("/metadata/labels/kubernetes.io~1metadata.name").asText());
        assertEquals(List.of("nohi", "Active"), namespaces.tableRow(ns).subList(0, 2));
        ObjectNode bad = Fx.yaml("{apiVersion: v1, kind: Namespace, metadata: {name: n}, spec: {finalizers: [kubernetes, foo]}}");
        assertEquals(List.of("spec.finalizers: Invalid value: \"foo\": name is neither a standard finalizer name nor is it fully qualified"),
                Fx.messages(namespaces.validateCreate(bad)));
    }

    @Test
    void configMapKeysSizeAndImmutability() {
        ObjectNode cm = Fx.yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: myblog}, data: {MYSQL_HOST: mysql, MYSQL_PORT: '3306'}}");
        assertEquals(List.of(), Fx.create(configMaps, cm));
        assertEquals(2L, configMaps.tableRow(cm).get(1));
        ObjectNode bad = Fx.yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {'bad key': v}}");
        assertEquals(List.of("data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"),
                Fx.messages(Fx.create(configMaps, bad)));
        ObjectNode big = Fx.yaml("{apiVersion: v1, kind: ConfigMap, metadata: {name: big}}");
        big.putObject("data").put("a", "x".repeat(1024 * 1024 + 1));
        assertEquals(List.of("[]: Too long: must have at most 1048576 bytes"), Fx.messages(Fx.create(configMaps, big)));
        ObjectNode imm = cm.deepCopy().put("immutable", true);
        ObjectNode changed = imm.deepCopy();
        ((ObjectNode) changed.get("data")).put("MYSQL_HOST", "other");
        assertEquals(List.of("data: Forbidden: field is immutable when `immutable` is set"), Fx.messages(configMaps.validateUpdate(changed, imm)));
    }

    @Test
    void secretTypesStringDataAndTls() {
        ObjectNode s = Fx.yaml("{apiVersion: v1, kind: Secret, metadata: {name: myblog}, data: {MYSQL_USER: cm9vdA==}, stringData: {MYSQL_PASSWD: '123456'}}");
        assertEquals(List.of(), Fx.create(secrets, s));
        assertEquals("Opaque", s.path("type").asText());
        assertFalse(s.has("stringData"));
        assertEquals("MTIzNDU2", s.at("/data/MYSQL_PASSWD").asText());
        assertEquals(List.of("myblog", "Opaque", 2L), secrets.tableRow(s).subList(0, 3));
        ObjectNode tls = Fx.yaml("{apiVersion: v1, kind: Secret, metadata: {name: https-secret}, type: kubernetes.io/tls, data: {tls.crt: Q0VSVA==}}");
        assertEquals(List.of("data[tls.key]: Required value"), Fx.messages(Fx.create(secrets, tls)));
        ObjectNode dcj = Fx.yaml("{apiVersion: v1, kind: Secret, metadata: {name: reg}, type: kubernetes.io/dockerconfigjson, data: {.dockerconfigjson: bm90IGpzb24=}}");
        assertEquals(List.of("data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character looking for beginning of value"),
                Fx.messages(Fx.create(secrets, dcj)));
        ObjectNode sat = Fx.yaml("{apiVersion: v1, kind: Secret, metadata: {name: t}, type: kubernetes.io/service-account-token}");
        assertEquals(List.of("metadata.annotations[kubernetes.io/service-account.name]: Required value"), Fx.messages(Fx.create(secrets, sat)));
        ObjectNode notB64 = Fx.yaml("{apiVersion: v1, kind: Secret, metadata: {name: b}, data: {k: 'QUJD%%%'}}");
        io.wharf.common.WharfException e = assertThrows(io.wharf.common.WharfException.class, () -> Fx.create(secrets, notB64));
        assertEquals(io.wharf.common.ErrorKind.INVALID_ARGUMENT, e.kind());
        assertEquals("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 4", e.getMessage());
        assertEquals(-1, CoreKinds.badBase64At("cm9vdA=="));
        assertEquals(-1, CoreKinds.badBase64At(""));
        assertEquals(4, CoreKinds.badBase64At("cm9vdA"));
        ObjectNode retyped = s.deepCopy().put("type", "kubernetes.io/tls");
        assertTrue(Fx.messages(secrets.validateUpdate(retyped, s)).contains("type: Invalid value: \"kubernetes.io/tls\": field is immutable"));
    }

    @Test
    void nodeTaintsAndTable() {
        ObjectNode n = Fx.yaml("""
                apiVersion: v1
                kind: Node
                metadata: {name: k8s-master, labels: {node-role.kubernetes.io/control-plane: "", kubernetes.io/hostname: k8s-master}}
                spec: {taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]}
                status:
                  conditions: [{type: Ready, status: "True"}]
                  addresses: [{type: InternalIP, address: 10.0.0.181}]
                  nodeInfo: {kubeletVersion: v1.31.0, osImage: Debian GNU/Linux 13 (trixie), kernelVersion: 6.1.0, containerRuntimeVersion: "wharf://0.1.0"}
                  capacity: {cpu: "2", memory: 24Gi}
                """);
        assertEquals(List.of(), Fx.create(nodes, n));
        assertEquals("24Gi", n.at("/status/allocatable/memory").asText());
        List<Object> row = nodes.tableRow(n);
        assertEquals(List.of("k8s-master", "Ready", "control-plane"), row.subList(0, 3));
        assertEquals(List.of("v1.31.0", "10.0.0.181", "<none>", "Debian GNU/Linux 13 (trixie)", "6.1.0", "wharf://0.1.0"), row.subList(4, 10));
        ObjectNode cordoned = n.deepCopy();
        ((ObjectNode) cordoned.get("spec")).put("unschedulable", true);
        assertEquals("Ready,SchedulingDisabled", nodes.tableRow(cordoned).get(1));
        ObjectNode bad = n.deepCopy();
        ((ObjectNode) bad.at("/spec/taints/0")).put("effect", "Sometimes");
        assertEquals(List.of("spec.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""),
                Fx.messages(nodes.validateCreate(bad)));
    }

    @Test
    void endpointsEventsQuotaTables() {
        ObjectNode ep = Fx.yaml("""
                apiVersion: v1
                kind: Endpoints
                metadata: {name: myblog}
                subsets: [{addresses: [{ip: 10.244.0.5}, {ip: 10.244.0.6}, {ip: 10.244.0.7}, {ip: 10.244.0.8}], ports: [{port: 8002}]}]
                """);
        assertEquals(List.of(), endpoints.validateCreate(ep));
        assertEquals("10.244.0.5:8002,10.244.0.6:8002,10.244.0.7:8002 + 1 more...", endpoints.tableRow(ep).get(1));
        assertEquals("<none>", endpoints.tableRow(Fx.yaml("{metadata: {name: e}}")).get(1));

        ObjectNode ev = Fx.yaml("""
                apiVersion: v1
                kind: Event
                metadata: {name: myblog.17a, namespace: nohi}
                involvedObject: {kind: Deployment, name: myblog, namespace: nohi}
                reason: ScalingReplicaSet
                message: "Scaled up replica set myblog-7c96c9f76b to 1 "
                type: Normal
                source: {component: deployment-controller}
                count: 2
                """);
        assertEquals(List.of(), events.validateCreate(ev));
        List<Object> row = events.tableRow(ev);
        assertEquals(List.of("Normal", "ScalingReplicaSet", "deployment/myblog", "", "deployment-controller", "Scaled up replica set myblog-7c96c9f76b to 1"),
                row.subList(1, 7));
        assertEquals(2L, row.get(8));
        assertEquals("Last Seen", events.tableColumns().getFirst().name());
        assertTrue(events.selectableFields().contains("involvedObject.uid"));

        ObjectNode q = Fx.yaml("""
                {apiVersion: v1, kind: ResourceQuota, metadata: {name: q}, spec: {hard: {pods: "10", limits.cpu: "2"}},
                 status: {hard: {pods: "10", limits.cpu: "2", requests.memory: 1Gi}, used: {pods: "1", limits.cpu: 500m}}}
                """);
        List<Object> qr = quotas.tableRow(q);
        assertEquals("pods: 1/10, requests.memory: 0/1Gi", qr.get(2));
        assertEquals("limits.cpu: 500m/2", qr.get(3));
    }
}
