package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Pod;
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

/** One reconcile of the ReplicaSet controller against a real in-process API server: the exact writes, then none. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaSetControllerTest {
    TestCluster c;
    Informers informers;
    ReplicaSetController rsc;

    @BeforeAll
    void up() throws Exception {
        c = new TestCluster();
        c.namespace("rs1");
        informers = new Informers(c.client);
        rsc = new ReplicaSetController(informers, c.writer, Clock.systemUTC(), 1);
        informers.start(Duration.ofSeconds(30));
    }

    @AfterAll
    void down() throws Exception {
        informers.close();
        rsc.close();
        c.close();
    }

    static ReplicaSet rs(String name, int replicas) {
        return new ReplicaSetBuilder().withNewMetadata().withName(name).withNamespace("rs1").endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx:1.25").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    List<Pod> pods(String app) {
        return informers.list(Pod.class, "rs1").stream().filter(p -> app.equals(p.getMetadata().getLabels().get("app"))).toList();
    }

    @Test
    void createsPodsThenStatusThenNothing() throws Exception {
        c.client.resource(rs("web", 3)).create();
        TestCluster.await("rs in cache", Duration.ofSeconds(10), () -> informers.get(ReplicaSet.class, "rs1/web") != null);
        c.takeWrites();
        rsc.reconcile("rs1/web");
        assertEquals(List.of(
                "create event rs1/web.*", "create event rs1/web.*", "create event rs1/web.*",
                "create pod rs1/web-", "create pod rs1/web-", "create pod rs1/web-",
                "update-status replicaset rs1/web"), c.takeWrites());
        TestCluster.await("3 pods in cache", Duration.ofSeconds(10), () -> pods("web").size() == 3);
        for (Pod p : pods("web")) {
            var ref = Pods.controllerRef(p);
            assertEquals("ReplicaSet", ref.getKind());
            assertEquals("web", ref.getName());
            assertTrue(ref.getBlockOwnerDeletion());
        }
        TestCluster.await("status observed", Duration.ofSeconds(10),
                () -> informers.get(ReplicaSet.class, "rs1/web").getStatus().getObservedGeneration() != null);
        // the cache now holds the 3 pods: the status catches up once (replicas 0 -> 3) ...
        rsc.reconcile("rs1/web");
        assertEquals(List.of("update-status replicaset rs1/web"), c.takeWrites());
        TestCluster.await("status replicas 3", Duration.ofSeconds(10),
                () -> informers.get(ReplicaSet.class, "rs1/web").getStatus().getReplicas() == 3);
        ReplicaSet cached = informers.get(ReplicaSet.class, "rs1/web");
        assertEquals(3, cached.getStatus().getFullyLabeledReplicas());
        assertEquals(0, cached.getStatus().getReadyReplicas());
        assertEquals(1L, cached.getStatus().getObservedGeneration());
        // ... and a pass over an unchanged world writes nothing
        rsc.reconcile("rs1/web");
        assertEquals(List.of(), c.takeWrites());
    }

    @Test
    void scaleDownDeletesUnscheduledPodsFirst() throws Exception {
        c.client.resource(rs("down", 2)).create();
        TestCluster.await("rs in cache", Duration.ofSeconds(10), () -> informers.get(ReplicaSet.class, "rs1/down") != null);
        rsc.reconcile("rs1/down");
        TestCluster.await("2 pods", Duration.ofSeconds(10), () -> pods("down").size() == 2);
        // bind one pod to a node: the unassigned one must be the one to go
        Pod bound = pods("down").getFirst();
        c.writer.bind(bound, "some-node");
        TestCluster.await("bound in cache", Duration.ofSeconds(10),
                () -> informers.get(Pod.class, "rs1/" + bound.getMetadata().getName()).getSpec().getNodeName() != null);
        c.client.apps().replicaSets().inNamespace("rs1").withName("down").scale(1);
        TestCluster.await("scaled in cache", Duration.ofSeconds(10), () -> informers.get(ReplicaSet.class, "rs1/down").getSpec().getReplicas() == 1);
        c.takeWrites();
        String other = pods("down").stream().filter(p -> !p.getMetadata().getName().equals(bound.getMetadata().getName())).findFirst().orElseThrow().getMetadata().getName();
        rsc.reconcile("rs1/down");
        List<String> w = c.takeWrites();
        assertTrue(w.contains("delete pod rs1/" + other), w.toString());
        assertFalse(w.contains("delete pod rs1/" + bound.getMetadata().getName()), w.toString());
        assertTrue(w.contains("create event rs1/down.*"), w.toString());
    }

    @Test
    void expectationsStopDoubleCreatesWhileTheCacheLags() throws Exception {
        c.client.resource(rs("lag", 2)).create();
        TestCluster.await("rs in cache", Duration.ofSeconds(10), () -> informers.get(ReplicaSet.class, "rs1/lag") != null);
        c.takeWrites();
        rsc.reconcile("rs1/lag");
        // immediately again: the cache may not hold the pods yet, but the expectations do. The status write of this
        // pass may meet a 409 Conflict (its cached resourceVersion is stale), which a worker would retry.
        try {
            rsc.reconcile("rs1/lag");
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            assertEquals(409, e.getCode());
        }
        long creates = c.takeWrites().stream().filter(s -> s.startsWith("create pod")).count();
        assertEquals(2, creates);
    }
}
