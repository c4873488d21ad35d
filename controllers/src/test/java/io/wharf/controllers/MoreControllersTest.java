package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** One reconcile each of the other controllers against a real in-process API server: exact writes, then none. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MoreControllersTest {
    TestCluster c;
    Informers informers;
    MutableClock clock = new MutableClock(Instant.now());
    EndpointsController ep;
    ServiceAccountController sa;
    GarbageCollector gc;
    JobController jobs;
    NodeLifecycleController nodes;
    CronJobController cron;

    @BeforeAll
    void up() throws Exception {
        c = new TestCluster();
        c.namespace("mc");
        informers = new Informers(c.client);
        ep = new EndpointsController(informers, c.writer, 1);
        sa = new ServiceAccountController(informers, c.writer, 1);
        gc = new GarbageCollector(informers, c.writer, 1);
        jobs = new JobController(informers, c.writer, clock, 1);
        nodes = new NodeLifecycleController(informers, c.writer, clock, Duration.ofSeconds(40), 1);
        cron = new CronJobController(informers, c.writer, clock, 1);
        informers.of(ReplicaSet.class);
        informers.start(Duration.ofSeconds(30));
    }

    @AfterAll
    void down() throws Exception {
        informers.close();
        for (Controller x : List.of(ep, sa, gc, jobs, nodes, cron)) x.close();
        c.close();
    }

    static Pod pod(String name, String ip, boolean ready) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("mc").addToLabels("app", "svc").endMetadata()
                .withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("x").addNewPort().withName("http").withContainerPort(8080).endPort().endContainer().endSpec();
        return b.build();
    }

    Pod withStatus(Pod created, String ip, boolean ready) {
        return c.client.resource(new PodBuilder(created).withNewStatus().withPhase("Running").withPodIP(ip)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus().build()).updateStatus();
    }

    @Test
    void endpointsFromReadyAndNotReadyPods() throws Exception {
        withStatus(c.client.resource(pod("a", null, true)).create(), "10.9.0.2", true);
        withStatus(c.client.resource(pod("b", null, false)).create(), "10.9.0.3", false);
        c.client.resource(new ServiceBuilder().withNewMetadata().withName("svc").withNamespace("mc").endMetadata()
                .withNewSpec().addToSelector("app", "svc").addNewPort().withName("web").withPort(80).withTargetPort(new IntOrString("http")).endPort().endSpec().build()).create();
        TestCluster.await("cache", Duration.ofSeconds(10), () -> informers.get(io.fabric8.kubernetes.api.model.Service.class, "mc/svc") != null
                && informers.list(Pod.class, "mc").stream().filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null).count() == 2);
        c.takeWrites();
        ep.reconcile("mc/svc");
        assertEquals(List.of("create endpoints mc/svc", "create endpointslice mc/svc-"), c.takeWrites());
        TestCluster.await("endpoints cached", Duration.ofSeconds(10), () -> informers.get(Endpoints.class, "mc/svc") != null
                && !informers.list(EndpointSlice.class, "mc").isEmpty());
        Endpoints e = informers.get(Endpoints.class, "mc/svc");
        assertEquals(1, e.getSubsets().size());
        assertEquals("10.9.0.2", e.getSubsets().getFirst().getAddresses().getFirst().getIp());
        assertEquals("10.9.0.3", e.getSubsets().getFirst().getNotReadyAddresses().getFirst().getIp());
        assertEquals(8080, e.getSubsets().getFirst().getPorts().getFirst().getPort(), "named targetPort resolved");
        ep.reconcile("mc/svc");
        assertEquals(List.of(), c.takeWrites());
        // the not-ready pod turns ready: both lists change in one update
        withStatus(c.client.pods().inNamespace("mc").withName("b").get(), "10.9.0.3", true);
        TestCluster.await("b ready", Duration.ofSeconds(10), () -> Pods.isReady(informers.get(Pod.class, "mc/b")));
        ep.reconcile("mc/svc");
        assertEquals(List.of("update endpoints mc/svc", "update endpointslice mc/" + informers.list(EndpointSlice.class, "mc").getFirst().getMetadata().getName()), c.takeWrites());
    }

    @Test
    void defaultServiceAccount() throws Exception {
        c.namespace("mc-sa");
        TestCluster.await("ns cached", Duration.ofSeconds(10), () -> informers.get(Namespace.class, null, "mc-sa") != null);
        c.takeWrites();
        boolean existed = informers.get(ServiceAccount.class, "mc-sa", "default") != null;
        sa.reconcile("mc-sa");
        assertEquals(existed ? List.of() : List.of("create serviceaccount mc-sa/default"), c.takeWrites());
        TestCluster.await("sa cached", Duration.ofSeconds(10), () -> informers.get(ServiceAccount.class, "mc-sa", "default") != null);
        sa.reconcile("mc-sa");
        assertEquals(List.of(), c.takeWrites());
    }

    @Test
    void garbageCollectorDeletesOrphansOfVanishedOwners() throws Exception {
        var rs = new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder(ReplicaSetControllerTest.rs("orphan", 0)).editMetadata().withNamespace("mc")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("gone").withUid("0000-gone").withController(true).endOwnerReference()
                .endMetadata().build();
        c.client.resource(rs).create();
        TestCluster.await("rs cached", Duration.ofSeconds(10), () -> informers.get(ReplicaSet.class, "mc/orphan") != null);
        c.takeWrites();
        gc.reconcile("D:ReplicaSet:mc/orphan");
        assertEquals(List.of("delete replicaset mc/orphan"), c.takeWrites());
        TestCluster.await("rs gone", Duration.ofSeconds(10), () -> informers.get(ReplicaSet.class, "mc/orphan") == null);
        gc.reconcile("D:ReplicaSet:mc/orphan");
        assertEquals(List.of(), c.takeWrites());
    }

    @Test
    void jobCreatesItsPodThenCountsSuccess() throws Exception {
        Job j = new JobBuilder().withNewMetadata().withName("once").withNamespace("mc").endMetadata()
                .withNewSpec().withCompletions(1).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build();
        c.client.resource(j).create();
        TestCluster.await("job cached", Duration.ofSeconds(10), () -> informers.get(Job.class, "mc/once") != null);
        c.takeWrites();
        jobs.reconcile("mc/once");
        assertEquals(List.of("create event mc/once.*", "create pod mc/once-", "update-status job mc/once"), c.takeWrites());
        TestCluster.await("pod + status cached", Duration.ofSeconds(10), () -> informers.get(Job.class, "mc/once").getStatus().getStartTime() != null
                && informers.list(Pod.class, "mc").stream().anyMatch(p -> p.getMetadata().getName().startsWith("once-")));
        Pod p = informers.list(Pod.class, "mc").stream().filter(x -> x.getMetadata().getName().startsWith("once-")).findFirst().orElseThrow();
        assertEquals("Job", Pods.controllerRef(p).getKind());
        // the status counted the pod as active in the pass that created it? no: from the cache before the create
        jobs.reconcile("mc/once");
        List<String> second = c.takeWrites();
        assertTrue(second.equals(List.of()) || second.equals(List.of("update-status job mc/once")), second.toString());
        TestCluster.await("active", Duration.ofSeconds(10), () -> JobController.z(informers.get(Job.class, "mc/once").getStatus().getActive()) == 1);
        jobs.reconcile("mc/once");
        assertEquals(List.of(), c.takeWrites());
        c.client.resource(new PodBuilder(c.client.pods().inNamespace("mc").withName(p.getMetadata().getName()).get())
                .withNewStatus().withPhase("Succeeded").endStatus().build()).updateStatus();
        TestCluster.await("succeeded cached", Duration.ofSeconds(10), () -> "Succeeded".equals(informers.get(Pod.class, "mc/" + p.getMetadata().getName()).getStatus().getPhase()));
        jobs.reconcile("mc/once");
        assertEquals(List.of("create event mc/once.*", "update-status job mc/once"), c.takeWrites());
        TestCluster.await("complete", Duration.ofSeconds(10), () -> JobController.finished(informers.get(Job.class, "mc/once")));
        assertEquals(1, informers.get(Job.class, "mc/once").getStatus().getSucceeded());
        jobs.reconcile("mc/once");
        assertEquals(List.of(), c.takeWrites());
    }

    @Test
    void nodeWithoutHeartbeatsGoesUnknownTaintedAndEvicts() throws Exception {
        Node n = c.client.resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().withNewSpec().endSpec().build()).create();
        c.client.resource(new NodeBuilder(n).withNewStatus().addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withLastHeartbeatTime(clock.instant().toString()).endCondition().endStatus().build()).updateStatus();
        Pod victim = c.client.resource(new PodBuilder().withNewMetadata().withName("victim").withNamespace("mc").endMetadata()
                .withNewSpec().withNodeName("n1").addNewContainer().withName("c").withImage("x").endContainer()
                .addNewToleration().withKey("node.kubernetes.io/unreachable").withOperator("Exists").withEffect("NoExecute").withTolerationSeconds(0L).endToleration()
                .endSpec().build()).create();
        TestCluster.await("node + pod cached", Duration.ofSeconds(10), () -> informers.get(Node.class, null, "n1") != null
                && informers.get(Node.class, null, "n1").getStatus().getConditions() != null && informers.get(Pod.class, "mc/victim") != null);
        c.takeWrites();
        nodes.reconcile("n1");
        assertEquals(List.of(), c.takeWrites(), "a fresh heartbeat: nothing to do");
        clock.advance(Duration.ofSeconds(41));
        nodes.reconcile("n1");
        assertEquals(List.of("create event default/n1.*", "create event mc/victim.*", "delete pod mc/victim", "update node n1", "update-status node n1"), c.takeWrites());
        TestCluster.await("tainted in cache", Duration.ofSeconds(10), () -> informers.get(Node.class, null, "n1").getSpec().getTaints() != null
                && "Unknown".equals(informers.get(Node.class, null, "n1").getStatus().getConditions().getFirst().getStatus())
                && (informers.get(Pod.class, "mc/victim") == null || informers.get(Pod.class, "mc/victim").getMetadata().getDeletionTimestamp() != null));
        Node cached = informers.get(Node.class, null, "n1");
        assertEquals(List.of("node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"),
                cached.getSpec().getTaints().stream().map(t -> t.getKey() + ":" + t.getEffect()).toList());
        assertEquals("Unknown", cached.getStatus().getConditions().getFirst().getStatus());
        nodes.reconcile("n1");
        assertEquals(List.of(), c.takeWrites());
        assertNotNull(victim);
    }

    @Test
    void cronJobStartsAJobAtItsScheduledMinute() throws Exception {
        var cj = new io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder().withNewMetadata().withName("tick").withNamespace("mc").endMetadata()
                .withNewSpec().withSchedule("*/1 * * * *").withConcurrencyPolicy("Forbid").withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec()
                .withRestartPolicy("Never").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec().endJobTemplate()
                .endSpec().build();
        var created = c.client.resource(cj).create();
        TestCluster.await("cronjob cached", Duration.ofSeconds(10), () -> informers.get(io.fabric8.kubernetes.api.model.batch.v1.CronJob.class, "mc/tick") != null);
        Instant born = Instant.parse(created.getMetadata().getCreationTimestamp());
        while (!clock.instant().isAfter(born.plusSeconds(61))) clock.advance(Duration.ofSeconds(30));
        c.takeWrites();
        cron.reconcile("mc/tick");
        List<String> w = c.takeWrites();
        String job = w.stream().filter(x -> x.startsWith("create job")).findFirst().orElseThrow(() -> new AssertionError(w.toString())).substring("create job mc/".length());
        assertTrue(job.matches("tick-\\d+"), job);
        assertEquals(List.of("create event mc/tick.*", "create job mc/" + job, "update-status cronjob mc/tick"), w);
        TestCluster.await("status cached", Duration.ofSeconds(10), () -> {
            var x = informers.get(io.fabric8.kubernetes.api.model.batch.v1.CronJob.class, "mc/tick");
            return x.getStatus() != null && x.getStatus().getLastScheduleTime() != null && x.getStatus().getActive() != null
                    && informers.get(Job.class, "mc/" + job) != null;
        });
        cron.reconcile("mc/tick");
        assertEquals(List.of(), c.takeWrites());
        // a minute later the first job still runs: Forbid skips (an event, no job)
        clock.advance(Duration.ofSeconds(60));
        cron.reconcile("mc/tick");
        assertEquals(List.of("create event mc/tick.*"), c.takeWrites());
    }

    @Test
    void orphanDeletionKeepsThePods() throws Exception {
        ReplicaSet rs = c.client.resource(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder(ReplicaSetControllerTest.rs("keep", 0))
                .editMetadata().withNamespace("mc").endMetadata().build()).create();
        Pod p = c.client.resource(new PodBuilder().withNewMetadata().withName("kept").withNamespace("mc")
                .addToOwnerReferences(Pods.newControllerRef(rs, "apps/v1", "ReplicaSet")).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("x").endContainer().endSpec().build()).create();
        TestCluster.await("cached", Duration.ofSeconds(10), () -> informers.get(Pod.class, "mc/kept") != null && informers.get(ReplicaSet.class, "mc/keep") != null);
        c.client.apps().replicaSets().inNamespace("mc").withName("keep").withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.ORPHAN).delete();
        TestCluster.await("orphan finalizer cached", Duration.ofSeconds(10), () -> informers.get(ReplicaSet.class, "mc/keep").getMetadata().getFinalizers().contains("orphan"));
        c.takeWrites();
        gc.reconcile("O:ReplicaSet:mc/keep");
        assertEquals(List.of("update pod mc/kept", "update replicaset mc/keep"), c.takeWrites());
        TestCluster.await("rs gone, pod kept", Duration.ofSeconds(10), () -> c.client.apps().replicaSets().inNamespace("mc").withName("keep").get() == null);
        Pod kept = c.client.pods().inNamespace("mc").withName("kept").get();
        assertTrue(kept.getMetadata().getOwnerReferences() == null || kept.getMetadata().getOwnerReferences().isEmpty());
        assertNotNull(p);
    }
}
