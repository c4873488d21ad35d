package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.wharf.controllers.sim.NodeSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real kubectl against a Wharf API server + controller manager (controllers and scheduler) + 3 simulated nodes, all
 * in this JVM: the tutorial's deployment flow, the 3/1/0 rolling update bounds, nodeSelector, NoSchedule taints.
 * Run with {@code mvn -pl controllers verify -Pe2e}. Skips when kubectl is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllersKubectlIT {
    TestCluster c;
    ControllerManager cm;
    NodeSimulator sim;
    Path kubeconfig;

    @BeforeAll
    void up() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")) || Files.isExecutable(Path.of("/usr/local/bin/kubectl")),
                "kubectl is not installed");
        c = new TestCluster();
        kubeconfig = c.server.kubeconfigPath();
        sim = new NodeSimulator(c.client, "wsim", 3,
                NodeSimulator.Options.defaults().withReadyDelay(Duration.ofMillis(700)).withLeaseInterval(Duration.ofSeconds(1)), Clock.systemUTC());
        sim.start();
        // leases renewed every second, NotReady after 6 s without one (Kubernetes: 10 s and 40 s), so the test is quick
        cm = new ControllerManager(c.client, ControllerManager.Options.defaults().withNodeMonitorGracePeriod(Duration.ofSeconds(6)));
        cm.start();
        kubectl("create", "namespace", "nohi");
        // created now so that its first minute has passed by the time the last test looks
        kubectl("create", "namespace", "cron");
        kubectl("-n", "cron", "create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=*/1 * * * *", "--", "date");
    }

    @AfterAll
    void down() throws Exception {
        if (cm != null) cm.close();
        if (sim != null) sim.close();
        if (c != null) c.close();
    }

    record Result(int code, String out) {}

    Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("kubectl");
        cmd.add("--kubeconfig=" + kubeconfig);
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(c.dir, "kubectl", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("kubectl " + String.join(" ", args) + " timed out: " + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    String kubectl(String... args) throws Exception {
        Result r = run(args);
        assertEquals(0, r.code(), "kubectl " + String.join(" ", args) + ":\n" + r.out());
        return r.out();
    }

    void awaitKubectl(String what, Duration timeout, java.util.function.Predicate<String> ok, String... args) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Result r = run(args);
            last = r.out();
            if (r.code() == 0 && ok.test(last)) return;
            Thread.sleep(300);
        }
        fail("timed out waiting for " + what + "; last output:\n" + last);
    }

    static final String DEPLOY = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: myblog
              namespace: nohi
            spec:
              replicas: 1
              selector:
                matchLabels: {app: myblog}
              strategy:
                type: RollingUpdate
                rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
              template:
                metadata:
                  labels: {app: myblog}
                spec:
                  containers:
                  - name: myblog
                    image: registry.local/myblog:v1
                    resources:
                      requests: {cpu: 100m, memory: 64Mi}
            """;

    List<Pod> myblogPods() {
        return c.client.pods().inNamespace("nohi").withLabel("app", "myblog").list().getItems();
    }

    @Test
    @Order(1)
    @Timeout(300)
    void tutorialDeploymentFlow() throws Exception {
        Path f = c.dir.resolve("deploy-myblog.yaml");
        Files.writeString(f, DEPLOY);
        kubectl("create", "-f", f.toString(), "--record");
        kubectl("-n", "nohi", "rollout", "status", "deploy/myblog", "--timeout=60s");
        String pods = kubectl("-n", "nohi", "get", "po", "-l", "app=myblog", "-o", "wide");
        assertTrue(pods.contains("1/1") && pods.contains("Running") && pods.contains("wsim-"), pods);

        // delete the pod: the ReplicaSet replaces it
        String first = myblogPods().getFirst().getMetadata().getName();
        kubectl("-n", "nohi", "delete", "pod", first);
        awaitKubectl("a replacement pod", Duration.ofSeconds(60),
                out -> !out.contains(first) && out.contains("1/1") && out.contains("Running"),
                "-n", "nohi", "get", "po", "-l", "app=myblog");

        kubectl("-n", "nohi", "scale", "deploy", "myblog", "--replicas=2");
        kubectl("-n", "nohi", "rollout", "status", "deploy/myblog", "--timeout=60s");
        assertEquals(2, myblogPods().size());
        kubectl("-n", "nohi", "scale", "deploy", "myblog", "--replicas=3");
        kubectl("-n", "nohi", "rollout", "status", "deploy/myblog", "--timeout=60s");
        assertEquals(3, myblogPods().size());

        // set image with replicas 3, maxSurge 1, maxUnavailable 0: watch every pod change on the way
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        int[] maxPods = {0}, minReady = {99};
        SharedIndexInformer<Pod> watch = c.client.pods().inNamespace("nohi").withLabel("app", "myblog").inform();
        Runnable check = () -> {
            List<Pod> live = watch.getStore().list().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null
                    && !"Succeeded".equals(p.getStatus().getPhase()) && !"Failed".equals(p.getStatus().getPhase())).toList();
            long ready = live.stream().filter(Pods::isReady).count();
            synchronized (maxPods) {
                maxPods[0] = Math.max(maxPods[0], live.size());
                minReady[0] = (int) Math.min(minReady[0], ready);
            }
            if (live.size() > 4) violations.add("pods " + live.size());
            if (ready < 3) violations.add("ready " + ready);
        };
        watch.addEventHandler(new ResourceEventHandler<>() {
            public void onAdd(Pod p) { check.run(); }
            public void onUpdate(Pod a, Pod b) { check.run(); }
            public void onDelete(Pod p, boolean u) { check.run(); }
        });
        String oldRs = c.client.apps().replicaSets().inNamespace("nohi").list().getItems().getFirst().getMetadata().getName();
        kubectl("-n", "nohi", "set", "image", "deploy", "myblog", "myblog=registry.local/myblog:v2", "--record");
        kubectl("-n", "nohi", "rollout", "status", "deploy/myblog", "--timeout=90s");
        watch.close();
        assertEquals(List.of(), violations, "max pods " + maxPods[0] + ", min ready " + minReady[0]);
        assertEquals(4, maxPods[0], "the surge pod existed");

        // the six steps of the tutorial, as ScalingReplicaSet events
        String newRs = c.client.apps().replicaSets().inNamespace("nohi").list().getItems().stream()
                .map(r -> r.getMetadata().getName()).filter(n -> !n.equals(oldRs)).findFirst().orElseThrow();
        List<String> scalings = c.client.v1().events().inNamespace("nohi").list().getItems().stream()
                .filter(e -> "ScalingReplicaSet".equals(e.getReason()))
                .sorted((a, b) -> a.getMetadata().getCreationTimestamp().compareTo(b.getMetadata().getCreationTimestamp()) != 0
                        ? a.getMetadata().getCreationTimestamp().compareTo(b.getMetadata().getCreationTimestamp())
                        : Long.compare(Long.parseLong(a.getMetadata().getResourceVersion()), Long.parseLong(b.getMetadata().getResourceVersion())))
                .map(Event::getMessage).filter(m -> m.contains(newRs) || m.contains(oldRs)).toList();
        List<String> update = scalings.subList(scalings.indexOf("Scaled up replica set " + newRs + " from 0 to 1"), scalings.size());
        assertEquals(List.of(
                "Scaled up replica set " + newRs + " from 0 to 1",
                "Scaled down replica set " + oldRs + " from 3 to 2",
                "Scaled up replica set " + newRs + " from 1 to 2",
                "Scaled down replica set " + oldRs + " from 2 to 1",
                "Scaled up replica set " + newRs + " from 2 to 3",
                "Scaled down replica set " + oldRs + " from 1 to 0"), update);
        String describe = kubectl("-n", "nohi", "describe", "deploy", "myblog");
        assertTrue(describe.contains("ScalingReplicaSet") && describe.contains("deployment-controller")
                && describe.contains("Scaled up replica set " + newRs), describe);

        String history = kubectl("-n", "nohi", "rollout", "history", "deploy", "myblog");
        assertTrue(history.matches("(?s).*\\n1\\s+kubectl create .*--filename=.*--record=true.*"), history);
        assertTrue(history.matches("(?s).*\\n2\\s+kubectl set image deploy myblog myblog=registry.local/myblog:v2 .*--record=true.*"), history);

        kubectl("-n", "nohi", "rollout", "undo", "deploy", "myblog", "--to-revision=1");
        kubectl("-n", "nohi", "rollout", "status", "deploy/myblog", "--timeout=90s");
        String image = kubectl("-n", "nohi", "get", "deploy", "myblog", "-o", "jsonpath={.spec.template.spec.containers[0].image}");
        assertEquals("registry.local/myblog:v1", image.trim());
        history = kubectl("-n", "nohi", "rollout", "history", "deploy", "myblog");
        assertTrue(history.matches("(?s).*\\n2\\s+kubectl set image.*\\n3\\s+kubectl create .*--filename=.*"), history);
        for (Pod p : myblogPods()) assertEquals("registry.local/myblog:v1", p.getSpec().getContainers().getFirst().getImage());
        assertEquals(2, c.client.apps().replicaSets().inNamespace("nohi").list().getItems().size());
    }

    @Test
    @Order(2)
    @Timeout(120)
    void nodeSelectorFollowsNodeLabels() throws Exception {
        kubectl("label", "node", "wsim-1", "component=mysql");
        Path f = c.dir.resolve("mysql.yaml");
        Files.writeString(f, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: mysql, namespace: nohi}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: mysql}}
                  template:
                    metadata: {labels: {app: mysql}}
                    spec:
                      nodeSelector: {component: mysql}
                      containers: [{name: mysql, image: mysql:5.7}]
                """);
        kubectl("apply", "-f", f.toString());
        kubectl("-n", "nohi", "rollout", "status", "deploy/mysql", "--timeout=60s");
        for (Pod p : c.client.pods().inNamespace("nohi").withLabel("app", "mysql").list().getItems())
            assertEquals("wsim-1", p.getSpec().getNodeName());
    }

    @Test
    @Order(3)
    @Timeout(120)
    void noScheduleTaintKeepsPodsPending() throws Exception {
        for (String n : List.of("wsim-0", "wsim-1", "wsim-2")) kubectl("taint", "node", n, "dedicated=db:NoSchedule");
        kubectl("-n", "nohi", "create", "deployment", "tainted", "--image=nginx:1.25", "--replicas=1");
        String expected = "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: db}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
        awaitKubectl("FailedScheduling", Duration.ofSeconds(60), out -> out.contains(expected),
                "-n", "nohi", "get", "events", "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}");
        String pod = kubectl("-n", "nohi", "get", "po", "-l", "app=tainted");
        assertTrue(pod.contains("Pending"), pod);
        String describe = kubectl("-n", "nohi", "describe", "po", "-l", "app=tainted");
        assertTrue(describe.contains("FailedScheduling") && describe.contains("default-scheduler"), describe);
        for (String n : List.of("wsim-0", "wsim-1", "wsim-2")) kubectl("taint", "node", n, "dedicated-");
        kubectl("-n", "nohi", "rollout", "status", "deploy/tainted", "--timeout=60s");
    }
    @Test
    @Order(4)
    @Timeout(120)
    void servicesGetEndpointsAndNamespacesADefaultServiceAccount() throws Exception {
        kubectl("-n", "nohi", "create", "service", "clusterip", "myblog", "--tcp=80:80");
        awaitKubectl("3 endpoints", Duration.ofSeconds(30), out -> out.split(",").length == 3 && out.contains(":80"),
                "-n", "nohi", "get", "endpoints", "myblog", "--no-headers");
        String slices = kubectl("-n", "nohi", "get", "endpointslices", "-l", "kubernetes.io/service-name=myblog", "-o", "jsonpath={.items[0].endpoints[*].conditions.ready}");
        assertEquals("true true true", slices.trim());
        awaitKubectl("default sa", Duration.ofSeconds(30), out -> out.contains("default"), "-n", "nohi", "get", "sa");
    }

    @Test
    @Order(5)
    @Timeout(120)
    void jobsCompleteAndDaemonSetsCoverEveryNode() throws Exception {
        kubectl("-n", "nohi", "create", "job", "hello", "--image=busybox:1.36", "--", "echo", "hi");
        kubectl("-n", "nohi", "wait", "--for=condition=complete", "job/hello", "--timeout=60s");
        String st = kubectl("-n", "nohi", "get", "job", "hello", "-o", "jsonpath={.status.succeeded}");
        assertEquals("1", st.trim());
        Path f = c.dir.resolve("ds.yaml");
        Files.writeString(f, """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: agent, namespace: nohi}
                spec:
                  selector: {matchLabels: {app: agent}}
                  template:
                    metadata: {labels: {app: agent}}
                    spec:
                      containers: [{name: agent, image: busybox:1.36}]
                """);
        kubectl("apply", "-f", f.toString());
        kubectl("-n", "nohi", "rollout", "status", "ds/agent", "--timeout=60s");
        List<String> nodes = c.client.pods().inNamespace("nohi").withLabel("app", "agent").list().getItems().stream()
                .map(p -> p.getSpec().getNodeName()).sorted().toList();
        assertEquals(List.of("wsim-0", "wsim-1", "wsim-2"), nodes);
        // a new image rolls every node's pod; history has two revisions and undo goes back
        kubectl("-n", "nohi", "set", "image", "ds/agent", "agent=busybox:1.37");
        kubectl("-n", "nohi", "rollout", "status", "ds/agent", "--timeout=60s");
        for (Pod p : c.client.pods().inNamespace("nohi").withLabel("app", "agent").list().getItems())
            assertEquals("busybox:1.37", p.getSpec().getContainers().getFirst().getImage());
        String history = kubectl("-n", "nohi", "rollout", "history", "ds/agent");
        assertTrue(history.matches("(?s).*\\n1 .*\\n2 .*"), history);
        kubectl("-n", "nohi", "rollout", "undo", "ds/agent");
        kubectl("-n", "nohi", "rollout", "status", "ds/agent", "--timeout=60s");
        for (Pod p : c.client.pods().inNamespace("nohi").withLabel("app", "agent").list().getItems())
            assertEquals("busybox:1.36", p.getSpec().getContainers().getFirst().getImage());
    }

    @Test
    @Order(6)
    @Timeout(120)
    void deletingADeploymentCollectsItsReplicaSetsAndPods() throws Exception {
        kubectl("-n", "nohi", "delete", "deploy", "myblog");
        awaitKubectl("no myblog pods or sets", Duration.ofSeconds(60), out -> !out.contains("myblog"),
                "-n", "nohi", "get", "rs,po", "-l", "app=myblog", "--no-headers");
    }

    @Test
    @Order(7)
    @Timeout(180)
    void aStoppedNodeGoesNotReadyAndItsPodsAreEvictedAndReplaced() throws Exception {
        try (NodeSimulator dead = new NodeSimulator(c.client, "wdead", 1, NodeSimulator.Options.defaults().withLeaseInterval(Duration.ofSeconds(1)), Clock.systemUTC())) {
            dead.start();
            Path f = c.dir.resolve("evict.yaml");
            Files.writeString(f, """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: evict, namespace: nohi}
                    spec:
                      replicas: 1
                      selector: {matchLabels: {app: evict}}
                      template:
                        metadata: {labels: {app: evict}}
                        spec:
                          affinity:
                            nodeAffinity:
                              preferredDuringSchedulingIgnoredDuringExecution:
                              - weight: 100
                                preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [wdead-0]}]}
                          tolerations:
                          - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 3}
                          - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 3}
                          containers: [{name: app, image: nginx:1.25}]
                    """);
            kubectl("apply", "-f", f.toString());
            kubectl("-n", "nohi", "rollout", "status", "deploy/evict", "--timeout=60s");
            Pod first = c.client.pods().inNamespace("nohi").withLabel("app", "evict").list().getItems().getFirst();
            assertEquals("wdead-0", first.getSpec().getNodeName());
            dead.close(); // the "kubelet" dies: no more lease renewals
            awaitKubectl("NotReady", Duration.ofSeconds(60), out -> out.contains("NotReady"), "get", "node", "wdead-0", "--no-headers");
            String taints = kubectl("get", "node", "wdead-0", "-o", "jsonpath={.spec.taints[*].key}");
            assertTrue(taints.contains("node.kubernetes.io/unreachable"), taints);
            awaitKubectl("replacement elsewhere", Duration.ofSeconds(60),
                    out -> out.contains("Running") && out.contains("wsim-"), "-n", "nohi", "get", "po", "-l", "app=evict", "-o", "wide");
            String events = kubectl("-n", "nohi", "get", "events", "--field-selector", "reason=TaintManagerEviction", "-o", "jsonpath={.items[*].message}");
            assertTrue(events.contains("Marking for deletion Pod nohi/" + first.getMetadata().getName()), events);
        }
    }
    @Test
    @Order(8)
    @Timeout(180)
    void statefulSetsStartInOrderAndRollFromTheTop() throws Exception {
        Path f = c.dir.resolve("sts.yaml");
        Files.writeString(f, """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db, namespace: nohi}
                spec:
                  serviceName: db
                  replicas: 3
                  selector: {matchLabels: {app: db}}
                  template:
                    metadata: {labels: {app: db}}
                    spec:
                      containers: [{name: db, image: mysql:5.7}]
                """);
        kubectl("apply", "-f", f.toString());
        kubectl("-n", "nohi", "rollout", "status", "sts/db", "--timeout=90s");
        List<Pod> pods = c.client.pods().inNamespace("nohi").withLabel("app", "db").list().getItems();
        assertEquals(List.of("db-0", "db-1", "db-2"), pods.stream().map(p -> p.getMetadata().getName()).sorted().toList());
        // ordered start: each pod started after the previous one
        List<String> starts = pods.stream().sorted((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()))
                .map(p -> p.getMetadata().getCreationTimestamp()).toList();
        assertEquals(starts.stream().sorted().toList(), starts);
        kubectl("-n", "nohi", "set", "image", "sts/db", "db=mysql:8.0");
        kubectl("-n", "nohi", "rollout", "status", "sts/db", "--timeout=90s");
        for (Pod p : c.client.pods().inNamespace("nohi").withLabel("app", "db").list().getItems())
            assertEquals("mysql:8.0", p.getSpec().getContainers().getFirst().getImage(), p.getMetadata().getName());
    }

    @Test
    @Order(9)
    @Timeout(180)
    void deletingTheDeadNodeFreesItsPodsAndTheNamespaceGoes() throws Exception {
        kubectl("delete", "node", "wdead-0");
        awaitKubectl("orphaned pods collected", Duration.ofSeconds(60), out -> !out.contains("wdead-0"),
                "-n", "nohi", "get", "po", "-o", "wide", "--no-headers");
        kubectl("delete", "namespace", "nohi", "--timeout=90s");
        Result r = run("get", "namespace", "nohi");
        assertNotEquals(0, r.code(), r.out());
    }

    @Test
    @Order(10)
    @Timeout(150)
    void cronJobRunsEveryMinute() throws Exception {
        awaitKubectl("a job from the cronjob, completed", Duration.ofSeconds(120), out -> out.contains("tick-") && out.contains("Complete"),
                "-n", "cron", "get", "jobs", "-o", "custom-columns=NAME:.metadata.name,STATUS:.status.conditions[*].type", "--no-headers");
        awaitKubectl("lastScheduleTime and lastSuccessfulTime", Duration.ofSeconds(30), out -> out.matches("\\S+ \\S+\\s*"),
                "-n", "cron", "get", "cronjob", "tick", "-o", "jsonpath={.status.lastScheduleTime} {.status.lastSuccessfulTime}");
        String describe = kubectl("-n", "cron", "describe", "cronjob", "tick");
        assertTrue(describe.contains("SuccessfulCreate") && describe.contains("Created job tick-"), describe);
    }
}
