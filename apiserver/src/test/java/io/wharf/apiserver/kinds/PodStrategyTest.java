package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceStrategy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PodStrategyTest {
    final ResourceStrategy pods = Fx.strategy(BuiltinTypes.PODS);

    static final String MYBLOG = """
            apiVersion: v1
            kind: Pod
            metadata: {name: myblog, namespace: nohi, labels: {component: myblog}}
            spec:
              containers:
              - name: myblog
                image: 10.0.0.181:5000/myblog:v1
                env: [{name: MYSQL_HOST, value: "127.0.0.1"}]
                ports: [{containerPort: 8002}]
                resources: {requests: {memory: 100Mi, cpu: "0.05"}, limits: {memory: 500Mi, cpu: "0.1"}}
                livenessProbe: {httpGet: {path: /blog/index/, port: 8002}, initialDelaySeconds: 10}
                readinessProbe: {tcpSocket: {port: 8002}}
              - name: mysql
                image: mysql:5.7
                ports: [{containerPort: 3306, hostPort: 3306, protocol: TCP}]
                unknownField: kept
            """;

    @Test
    void defaultsAsKubernetes() {
        ObjectNode p = Fx.yaml(MYBLOG);
        assertEquals(List.of(), Fx.create(pods, p));
        ObjectNode spec = (ObjectNode) p.get("spec");
        assertEquals("Always", spec.path("restartPolicy").asText());
        assertEquals("ClusterFirst", spec.path("dnsPolicy").asText());
        assertEquals(30, spec.path("terminationGracePeriodSeconds").asInt());
        assertEquals("default-scheduler", spec.path("schedulerName").asText());
        assertEquals("default", spec.path("serviceAccountName").asText());
        assertEquals("default", spec.path("serviceAccount").asText());
        assertEquals(0, spec.path("priority").asInt(-1));
        ObjectNode c0 = (ObjectNode) spec.path("containers").get(0);
        assertEquals("IfNotPresent", c0.path("imagePullPolicy").asText());
        assertEquals("TCP", c0.at("/ports/0/protocol").asText());
        assertEquals("/dev/termination-log", c0.path("terminationMessagePath").asText());
        assertEquals("File", c0.path("terminationMessagePolicy").asText());
        assertEquals("50m", c0.at("/resources/requests/cpu").asText(), "quantities are stored canonical");
        assertEquals("100m", c0.at("/resources/limits/cpu").asText());
        assertEquals(1, c0.at("/livenessProbe/timeoutSeconds").asInt());
        assertEquals(10, c0.at("/livenessProbe/periodSeconds").asInt());
        assertEquals(1, c0.at("/livenessProbe/successThreshold").asInt());
        assertEquals(3, c0.at("/livenessProbe/failureThreshold").asInt());
        assertEquals("HTTP", c0.at("/livenessProbe/httpGet/scheme").asText());
        assertEquals(3, c0.at("/readinessProbe/failureThreshold").asInt());
        assertEquals("kept", spec.at("/containers/1/unknownField").asText(), "unknown fields round-trip");
        assertEquals("Always", spec.at("/containers/1/imagePullPolicy").asText().equals("IfNotPresent") ? "Always" : "x");
        assertEquals(2, spec.path("tolerations").size());
        assertEquals("node.kubernetes.io/not-ready", spec.at("/tolerations/0/key").asText());
        assertEquals("Exists", spec.at("/tolerations/0/operator").asText());
        assertEquals("NoExecute", spec.at("/tolerations/0/effect").asText());
        assertEquals(300, spec.at("/tolerations/1/tolerationSeconds").asInt());
        assertEquals("Pending", p.at("/status/phase").asText());
        assertEquals("Burstable", p.at("/status/qosClass").asText());
    }

    @Test
    void priorityComesFromThePriorityClass() {
        Fx.Store store = new Fx.Store();
        store.objects.addAll(new Kinds().bootstrapObjects());
        ObjectNode p = Fx.yaml("{apiVersion: v1, kind: Pod, metadata: {name: dns}, spec: {priorityClassName: system-cluster-critical, containers: [{name: a, image: b}]}}");
        assertEquals(List.of(), Fx.create(pods, p));
        assertEquals(List.of(), pods.allocate(p, null, store));
        assertEquals(2000000000L, p.at("/spec/priority").asLong());
        ObjectNode missing = Fx.yaml("{apiVersion: v1, kind: Pod, metadata: {name: m}, spec: {priorityClassName: nope, containers: [{name: a, image: b}]}}");
        Fx.create(pods, missing);
        assertEquals(List.of("spec.priorityClassName: Not found: \"nope\""), Fx.messages(pods.allocate(missing, null, store)));
        store.objects.add(Fx.yaml("{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {name: dflt}, value: 7, globalDefault: true}"));
        ObjectNode plain = Fx.yaml("{apiVersion: v1, kind: Pod, metadata: {name: pl}, spec: {containers: [{name: a, image: b}]}}");
        Fx.create(pods, plain);
        pods.allocate(plain, null, store);
        assertEquals(7, plain.at("/spec/priority").asInt());
        assertEquals("dflt", plain.at("/spec/priorityClassName").asText());
    }

    @Test
    void limitRangesDefaultAndBoundContainerResources() {
        Fx.Store store = new Fx.Store();
        ObjectNode lr = Fx.yaml("""
                {apiVersion: v1, kind: LimitRange, metadata: {name: lr, namespace: nohi},
                 spec: {limits: [{type: Container, max: {cpu: "1"}, default: {cpu: 500m, memory: 256Mi}, defaultRequest: {cpu: 100m}}]}}
                """);
        Fx.strategy(BuiltinTypes.LIMITRANGES).applyDefaults(lr);
        store.objects.add(lr);
        ObjectNode p = Fx.yaml("{apiVersion: v1, kind: Pod, metadata: {name: a, namespace: nohi}, spec: {containers: [{name: a, image: b}]}}");
        assertEquals(List.of(), Fx.create(pods, p));
        assertEquals(List.of(), pods.allocate(p, null, store));
        assertEquals("500m", p.at("/spec/containers/0/resources/limits/cpu").asText());
        assertEquals("256Mi", p.at("/spec/containers/0/resources/limits/memory").asText());
        assertEquals("100m", p.at("/spec/containers/0/resources/requests/cpu").asText());
        assertEquals("Burstable", p.at("/status/qosClass").asText());
        ObjectNode big = Fx.yaml("{apiVersion: v1, kind: Pod, metadata: {name: b, namespace: nohi}, spec: {containers: [{name: a, image: b, resources: {limits: {cpu: '2'}}}]}}");
        Fx.create(pods, big);
        assertEquals(List.of("spec.containers[0].resources.limits: Forbidden: maximum cpu usage per Container is 1, but limit is 2"),
                Fx.messages(pods.allocate(big, null, store)));
        ObjectNode other = Fx.yaml("{apiVersion: v1, kind: Pod, metadata: {name: c, namespace: elsewhere}, spec: {containers: [{name: a, image: b}]}}");
        Fx.create(pods, other);
        assertEquals(List.of(), pods.allocate(other, null, store));
        assertEquals("{}", other.at("/spec/containers/0/resources").toString(), "LimitRanges apply in their own namespace only");
    }

    @Test
    void serviceAccountTokenVolumeWhenEnabled() {
        ResourceStrategy withToken = new Kinds(Kinds.DEFAULT_SERVICE_CIDR, 30000, 32767, true).strategyFor(BuiltinTypes.PODS);
        ObjectNode p = Fx.yaml(MYBLOG);
        assertEquals(List.of(), Fx.create(withToken, p));
        String vol = p.at("/spec/volumes/0/name").asText();
        assertTrue(vol.matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}"), vol);
        assertEquals("token", p.at("/spec/volumes/0/projected/sources/0/serviceAccountToken/path").asText());
        assertEquals("kube-root-ca.crt", p.at("/spec/volumes/0/projected/sources/1/configMap/name").asText());
        assertEquals(420, p.at("/spec/volumes/0/projected/defaultMode").asInt());
        for (int i = 0; i < 2; i++) {
            assertEquals(PodStrategy.SA_MOUNT_PATH, p.at("/spec/containers/" + i + "/volumeMounts/0/mountPath").asText());
            assertEquals(vol, p.at("/spec/containers/" + i + "/volumeMounts/0/name").asText());
        }
        ObjectNode off = Fx.yaml(MYBLOG);
        ((ObjectNode) off.get("spec")).put("automountServiceAccountToken", false);
        Fx.create(withToken, off);
        assertTrue(off.at("/spec/volumes").isMissingNode());
        ObjectNode plain = Fx.yaml(MYBLOG);
        Fx.create(pods, plain);
        assertTrue(plain.at("/spec/volumes").isMissingNode(), "off by default");
    }

    @Test
    void pullPolicyDependsOnTag() {
        assertEquals("Always", PodSpecs.defaultPullPolicy("nginx"));
        assertEquals("Always", PodSpecs.defaultPullPolicy("nginx:latest"));
        assertEquals("Always", PodSpecs.defaultPullPolicy("localhost:5000/nginx"));
        assertEquals("IfNotPresent", PodSpecs.defaultPullPolicy("localhost:5000/nginx:1.25"));
        assertEquals("IfNotPresent", PodSpecs.defaultPullPolicy("nginx@sha256:abcd"));
    }

    @Test
    void limitsBecomeRequestsAndGuaranteed() {
        ObjectNode p = Fx.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: g}
                spec: {containers: [{name: a, image: busybox, resources: {limits: {cpu: "1", memory: 1Gi}}}]}
                """);
        assertEquals(List.of(), Fx.create(pods, p));
        assertEquals("1Gi", p.at("/spec/containers/0/resources/requests/memory").asText());
        assertEquals("Guaranteed", p.at("/status/qosClass").asText());
    }

    @Test
    void validationMessages() {
        ObjectNode p = Fx.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: bad}
                spec:
                  restartPolicy: Sometimes
                  containers:
                  - name: Web
                    ports: [{containerPort: 70000, protocol: HTTP}]
                    resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}
                    volumeMounts: [{name: data, mountPath: /data}]
                  - name: Web
                    image: nginx
                    livenessProbe: {periodSeconds: -1}
                """);
        List<String> m = Fx.messages(Fx.create(pods, p));
        assertTrue(m.contains("spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"), m.toString());
        assertTrue(m.contains("spec.containers[0].image: Required value"), m.toString());
        assertTrue(m.contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"), m.toString());
        assertTrue(m.contains("spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""), m.toString());
        assertTrue(m.contains("spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"), m.toString());
        assertTrue(m.contains("spec.containers[0].volumeMounts[0].name: Not found: \"data\""), m.toString());
        assertTrue(m.contains("spec.containers[1].name: Duplicate value: \"Web\""), m.toString());
        assertTrue(m.contains("spec.containers[1].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"), m.toString());
        assertTrue(m.contains("spec.containers[1].livenessProbe: Required value: must specify a handler type"), m.toString());
        assertTrue(m.contains("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""), m.toString());

        ObjectNode empty = Fx.yaml("{apiVersion: v1, kind: Pod, metadata: {name: e}, spec: {}}");
        assertEquals(List.of("spec.containers: Required value"), Fx.messages(Fx.create(pods, empty)));
    }

    @Test
    void updatesMayOnlyChangeImages() {
        ObjectNode old = Fx.yaml(MYBLOG);
        Fx.create(pods, old);
        ObjectNode img = old.deepCopy();
        ((ObjectNode) img.at("/spec/containers/0")).put("image", "myblog:v2");
        assertEquals(List.of(), pods.validateUpdate(img, old));
        ObjectNode port = old.deepCopy();
        ((ObjectNode) port.at("/spec/containers/0/ports/0")).put("containerPort", 9000);
        List<String> m = Fx.messages(pods.validateUpdate(port, old));
        assertEquals(1, m.size());
        assertTrue(m.getFirst().startsWith("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"));
    }

    @Test
    void tableRowsFollowKubectlsPrinter() {
        ObjectNode p = Fx.yaml(MYBLOG);
        Fx.create(pods, p);
        ((ObjectNode) p.get("metadata")).put("creationTimestamp", Instant.now().minusSeconds(330).toString());
        List<Object> row = pods.tableRow(p);
        assertEquals(List.of("myblog", "0/2", "Pending", "0", "5m30s", "<none>", "<none>", "<none>", "<none>"), row);
        assertEquals(9, pods.tableColumns().size());
        assertEquals(List.of("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"),
                pods.tableColumns().stream().map(c -> c.name()).toList());
        assertEquals(1, pods.tableColumns().get(5).priority());

        ObjectNode running = Fx.yaml("""
                apiVersion: v1
                kind: Pod
                metadata: {name: r}
                spec: {nodeName: node1, containers: [{name: a, image: x}, {name: b, image: y}]}
                status:
                  phase: Running
                  podIP: 10.244.0.11
                  podIPs: [{ip: 10.244.0.11}]
                  conditions: [{type: Ready, status: "False"}]
                  containerStatuses:
                  - {name: a, ready: true, restartCount: 0, state: {running: {startedAt: "2024-01-01T00:00:00Z"}}}
                  - {name: b, ready: false, restartCount: 4, state: {waiting: {reason: CrashLoopBackOff}},
                     lastState: {terminated: {exitCode: 1, finishedAt: "2000-01-01T00:00:00Z"}}}
                """);
        List<Object> r = pods.tableRow(running);
        assertEquals("1/2", r.get(1));
        assertEquals("CrashLoopBackOff", r.get(2));
        assertTrue(((String) r.get(3)).startsWith("4 ("), r.toString());
        assertEquals("10.244.0.11", r.get(5));
        assertEquals("node1", r.get(6));

        ObjectNode creating = Fx.yaml("""
                {apiVersion: v1, kind: Pod, metadata: {name: c}, spec: {containers: [{name: a, image: x}]},
                 status: {phase: Pending, containerStatuses: [{name: a, ready: false, restartCount: 0, state: {waiting: {reason: ContainerCreating}}}]}}
                """);
        assertEquals("ContainerCreating", pods.tableRow(creating).get(2));

        ObjectNode done = Fx.yaml("""
                {apiVersion: v1, kind: Pod, metadata: {name: d}, spec: {containers: [{name: a, image: x}]},
                 status: {phase: Succeeded, containerStatuses: [{name: a, ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}]}}
                """);
        assertEquals("Completed", pods.tableRow(done).get(2));

        ObjectNode init = Fx.yaml("""
                {apiVersion: v1, kind: Pod, metadata: {name: i}, spec: {initContainers: [{name: i1, image: x}], containers: [{name: a, image: x}]},
                 status: {phase: Pending, initContainerStatuses: [{name: i1, ready: false, restartCount: 0, state: {running: {}}}]}}
                """);
        assertEquals("Init:0/1", pods.tableRow(init).get(2));

        ObjectNode terminating = running.deepCopy();
        ((ObjectNode) terminating.get("metadata")).put("deletionTimestamp", "2024-01-01T00:00:00Z");
        assertEquals("Terminating", pods.tableRow(terminating).get(2));
    }
}
