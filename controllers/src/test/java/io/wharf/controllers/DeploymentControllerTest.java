package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** One reconcile of the Deployment controller against a real in-process API server: the exact writes, then none. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeploymentControllerTest {
    TestCluster c;
    Informers informers;
    DeploymentController dc;

    @BeforeAll
    void up() throws Exception {
        c = new TestCluster();
        c.namespace("dp");
        informers = new Informers(c.client);
        dc = new DeploymentController(informers, c.writer, Clock.systemUTC(), 1);
        informers.start(Duration.ofSeconds(30));
    }

    @AfterAll
    void down() throws Exception {
        informers.close();
        dc.close();
        c.close();
    }

    List<ReplicaSet> sets(String app) {
        return informers.list(ReplicaSet.class, "dp").stream().filter(r -> app.equals(r.getMetadata().getLabels().get("app"))).toList();
    }

    @Test
    void newDeploymentCreatesItsReplicaSetThenNothing() throws Exception {
        Deployment d = ControllerManagerTest.deployment("dp", "web", 2, "nginx:1.25");
        d = new DeploymentBuilder(d).editMetadata().addToAnnotations("kubernetes.io/change-cause", "first").endMetadata().build();
        c.client.resource(d).create();
        TestCluster.await("deployment in cache", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/web") != null);
        c.takeWrites();
        dc.reconcile("dp/web");
        List<String> w = c.takeWrites();
        TestCluster.await("rs in cache", Duration.ofSeconds(10), () -> sets("web").size() == 1);
        ReplicaSet rs = sets("web").getFirst();
        String hash = rs.getMetadata().getLabels().get("pod-template-hash");
        assertEquals("web-" + hash, rs.getMetadata().getName());
        assertEquals(List.of("create event dp/web.*", "create replicaset dp/web-" + hash, "update deployment dp/web", "update-status deployment dp/web"), w);
        // maxSurge 1 / maxUnavailable 0 from zero: the new set gets all 2 at once (nothing old to surge over)
        assertEquals(2, rs.getSpec().getReplicas());
        assertEquals("1", rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
        assertEquals("first", rs.getMetadata().getAnnotations().get("kubernetes.io/change-cause"));
        assertEquals("2", rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/desired-replicas"));
        assertEquals("3", rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/max-replicas"));
        assertEquals(hash, rs.getSpec().getSelector().getMatchLabels().get("pod-template-hash"));
        assertEquals(hash, rs.getSpec().getTemplate().getMetadata().getLabels().get("pod-template-hash"));
        assertTrue(Pods.controllerRef(rs).getController());
        var events = c.client.v1().events().inNamespace("dp").list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getName().equals("web")).toList();
        assertEquals("Scaled up replica set web-" + hash + " from 0 to 2", events.getFirst().getMessage());
        assertEquals("deployment-controller", events.getFirst().getSource().getComponent());

        TestCluster.await("deployment status in cache", Duration.ofSeconds(10), () -> {
            Deployment x = informers.get(Deployment.class, "dp/web");
            return x.getStatus() != null && x.getStatus().getObservedGeneration() != null
                    && "1".equals(x.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
        });
        Deployment cached = informers.get(Deployment.class, "dp/web");
        // as in Kubernetes: Progressing is set when the set is created, Available appended by the status calculation
        assertEquals(List.of("Progressing", "Available"), cached.getStatus().getConditions().stream().map(x -> x.getType()).toList());
        assertEquals("NewReplicaSetCreated", cached.getStatus().getConditions().get(0).getReason());
        assertEquals("MinimumReplicasUnavailable", cached.getStatus().getConditions().get(1).getReason());
        dc.reconcile("dp/web");
        assertEquals(List.of(), c.takeWrites());

        // the ReplicaSet reports 2 available: Available and a completed rollout in one status write, then nothing
        ReplicaSet live = c.client.apps().replicaSets().inNamespace("dp").withName(rs.getMetadata().getName()).get();
        c.client.resource(new ReplicaSetBuilder(live).withNewStatus().withReplicas(2).withReadyReplicas(2).withAvailableReplicas(2)
                .withFullyLabeledReplicas(2).withObservedGeneration(1L).endStatus().build()).updateStatus();
        TestCluster.await("rs status in cache", Duration.ofSeconds(10), () -> Integer.valueOf(2).equals(sets("web").getFirst().getStatus().getAvailableReplicas()));
        c.takeWrites();
        dc.reconcile("dp/web");
        assertEquals(List.of("update-status deployment dp/web"), c.takeWrites());
        TestCluster.await("complete", Duration.ofSeconds(10), () -> Integer.valueOf(2).equals(informers.get(Deployment.class, "dp/web").getStatus().getAvailableReplicas()));
        cached = informers.get(Deployment.class, "dp/web");
        assertEquals("NewReplicaSetAvailable", cached.getStatus().getConditions().stream().filter(x -> x.getType().equals("Progressing")).findFirst().orElseThrow().getReason());
        dc.reconcile("dp/web");
        assertEquals(List.of(), c.takeWrites());
    }

    @Test
    void newTemplateSurgesOneNewPod() throws Exception {
        c.client.resource(ControllerManagerTest.deployment("dp", "roll", 3, "nginx:1")).create();
        TestCluster.await("in cache", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/roll") != null);
        dc.reconcile("dp/roll");
        TestCluster.await("rs", Duration.ofSeconds(10), () -> sets("roll").size() == 1);
        TestCluster.await("revision", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/roll").getMetadata().getAnnotations() != null);
        c.client.apps().deployments().inNamespace("dp").withName("roll").edit(d -> new DeploymentBuilder(d).editSpec().editTemplate().editSpec()
                .editFirstContainer().withImage("nginx:2").endContainer().endSpec().endTemplate().endSpec().build());
        TestCluster.await("generation 2", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/roll").getMetadata().getGeneration() == 2);
        c.takeWrites();
        dc.reconcile("dp/roll");
        TestCluster.await("2 sets", Duration.ofSeconds(10), () -> sets("roll").size() == 2);
        ReplicaSet fresh = sets("roll").stream().filter(r -> r.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage().equals("nginx:2")).findFirst().orElseThrow();
        assertEquals(List.of("create event dp/roll.*", "create replicaset dp/" + fresh.getMetadata().getName(), "update deployment dp/roll", "update-status deployment dp/roll"), c.takeWrites());
        assertEquals(1, fresh.getSpec().getReplicas(), "3 old + 1 surge");
        assertEquals("2", fresh.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
    }

    @Test
    void noProgressPastTheDeadlineSetsProgressDeadlineExceeded() throws Exception {
        MutableClock clock = new MutableClock(java.time.Instant.now());
        try (DeploymentController slow = new DeploymentController(informers, c.writer, clock, 1)) {
            Deployment d = new DeploymentBuilder(ControllerManagerTest.deployment("dp", "stuck", 1, "nginx:1")).editSpec()
                    .withProgressDeadlineSeconds(5).endSpec().build();
            c.client.resource(d).create();
            TestCluster.await("in cache", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/stuck") != null);
            for (int attempt = 0; ; attempt++) {
                try {
                    slow.reconcile("dp/stuck"); // a 409 from a cache a step behind is retried, as a worker would
                    break;
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt > 3) throw e;
                    Thread.sleep(200);
                }
            }
            TestCluster.await("progressing cached", Duration.ofSeconds(10), () -> {
                Deployment x = informers.get(Deployment.class, "dp/stuck");
                return x.getStatus() != null && x.getStatus().getConditions() != null && sets("stuck").size() == 1
                        && x.getMetadata().getAnnotations() != null && x.getMetadata().getAnnotations().containsKey("deployment.kubernetes.io/revision")
                        // and the cache has caught up with the last write (else the next reconcile sees a 409)
                        && x.getMetadata().getResourceVersion().equals(c.client.apps().deployments().inNamespace("dp").withName("stuck").get().getMetadata().getResourceVersion());
            });
            c.takeWrites();
            slow.reconcile("dp/stuck");
            assertEquals(List.of(), c.takeWrites(), "within the deadline, nothing changes");
            clock.advance(Duration.ofSeconds(6));
            slow.reconcile("dp/stuck");
            assertEquals(List.of("update-status deployment dp/stuck"), c.takeWrites());
            TestCluster.await("exceeded", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/stuck").getStatus().getConditions().stream()
                    .anyMatch(x -> x.getType().equals("Progressing") && "ProgressDeadlineExceeded".equals(x.getReason()) && x.getStatus().equals("False")));
            var cond = informers.get(Deployment.class, "dp/stuck").getStatus().getConditions().stream().filter(x -> x.getType().equals("Progressing")).findFirst().orElseThrow();
            assertEquals("ReplicaSet \"" + sets("stuck").getFirst().getMetadata().getName() + "\" has timed out progressing.", cond.getMessage());
            slow.reconcile("dp/stuck");
            assertEquals(List.of(), c.takeWrites());
        }
    }

    /** Reconciles until a pass writes nothing (the cache catching up between passes), at most 10 times. */
    void settle(String key) throws Exception {
        for (int i = 0; i < 10; i++) {
            c.takeWrites();
            dc.reconcile(key);
            if (c.takeWrites().isEmpty()) return;
            Thread.sleep(300);
        }
    }

    @Test
    void scalingAStuckRolloutIsProportional() throws Exception {
        // the example of the Kubernetes documentation: 10 replicas, maxSurge 3, maxUnavailable 2, a rollout stuck at
        // old 8 / new 5 (no pod ever becomes available here), then scaled to 15: 3 more to the old set, 2 to the new
        Deployment d = new DeploymentBuilder(ControllerManagerTest.deployment("dp", "prop", 10, "nginx:1")).editSpec().editStrategy()
                .editRollingUpdate().withNewMaxSurge(3).withNewMaxUnavailable(2).endRollingUpdate().endStrategy().endSpec().build();
        c.client.resource(d).create();
        TestCluster.await("in cache", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/prop") != null);
        settle("dp/prop");
        c.client.apps().deployments().inNamespace("dp").withName("prop").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec()
                .editFirstContainer().withImage("nginx:2").endContainer().endSpec().endTemplate().endSpec().build());
        TestCluster.await("generation 2", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/prop").getMetadata().getGeneration() == 2);
        settle("dp/prop");
        assertEquals(List.of(5, 8), sets("prop").stream().map(DeploymentUtil::specReplicas).sorted().toList());
        c.client.apps().deployments().inNamespace("dp").withName("prop").scale(15);
        TestCluster.await("scaled", Duration.ofSeconds(10), () -> informers.get(Deployment.class, "dp/prop").getSpec().getReplicas() == 15);
        settle("dp/prop");
        ReplicaSet fresh = sets("prop").stream().filter(r -> r.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage().equals("nginx:2")).findFirst().orElseThrow();
        ReplicaSet old = sets("prop").stream().filter(r -> r != fresh).findFirst().orElseThrow();
        assertEquals(11, old.getSpec().getReplicas());
        assertEquals(7, fresh.getSpec().getReplicas());
        assertEquals("15", fresh.getMetadata().getAnnotations().get("deployment.kubernetes.io/desired-replicas"));
        assertEquals("18", old.getMetadata().getAnnotations().get("deployment.kubernetes.io/max-replicas"));
    }
}
