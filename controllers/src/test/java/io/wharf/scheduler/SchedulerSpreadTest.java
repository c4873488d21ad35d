package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.wharf.controllers.Informers;
import io.wharf.controllers.TestCluster;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pods of one ReplicaSet that reach the scheduler together spread one per node: each is assumed on its node before
 * the next is scored (the binds are not yet seen by the informer), and pods left pending for want of nodes are not
 * all given to the first node of a group that registers together.
 */
class SchedulerSpreadTest {
    static void node(TestCluster c, String name) {
        Node created = c.client.resource(new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewSpec().endSpec().build()).create();
        c.client.resource(new NodeBuilder(created).withNewStatus().addToAllocatable("cpu", new Quantity("4"))
                .addToAllocatable("memory", new Quantity("16Gi")).addToAllocatable("pods", new Quantity("110")).endStatus().build()).updateStatus();
    }

    /** A pod as the ReplicaSet controller makes it: no requests, controller ownerReference to the ReplicaSet. */
    static void rsPod(TestCluster c, String ns, String name) {
        c.client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", "web")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet").withName("web-abc").withUid("rs-uid-web-abc")
                .withController(true).withBlockOwnerDeletion(true).endOwnerReference().endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("nginx:alpine").endContainer().endSpec().build()).create();
    }

    /** node name -> number of pods bound to it, once all {@code n} pods of the namespace are bound. */
    static Map<String, Integer> placement(TestCluster c, String ns, int n) throws InterruptedException {
        TestCluster.await(n + " pods bound", Duration.ofSeconds(30), () -> c.client.pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getSpec().getNodeName() != null).count() == n);
        Map<String, Integer> out = new TreeMap<>();
        for (Pod p : c.client.pods().inNamespace(ns).list().getItems()) out.merge(p.getSpec().getNodeName(), 1, Integer::sum);
        return out;
    }

    @Test
    void threePodsOfOneReplicaSetOnThreeEqualNodesGoOneEach() throws Exception {
        try (TestCluster c = new TestCluster(); Informers informers = new Informers(c.client)) {
            c.namespace("spread");
            for (String n : List.of("a", "b", "c")) node(c, n);
            for (int i = 0; i < 3; i++) rsPod(c, "spread", "web-" + i);
            try (Scheduler s = new Scheduler(informers, c.writer, Clock.systemUTC())) {
                informers.start(Duration.ofSeconds(30));
                assertEquals(3, informers.list(Node.class).size());
                // all three are queued when the scheduler starts: they are scored back to back, before any bind is seen
                s.start();
                assertEquals(Map.of("a", 1, "b", 1, "c", 1), placement(c, "spread", 3));
            }
        }
    }

    @Test
    void pendingPodsSpreadOverNodesThatRegisterTogether() throws Exception {
        try (TestCluster c = new TestCluster(); Informers informers = new Informers(c.client)) {
            c.namespace("late");
            try (Scheduler s = new Scheduler(informers, c.writer, Clock.systemUTC())) {
                informers.start(Duration.ofSeconds(30));
                s.start();
                for (int i = 0; i < 3; i++) rsPod(c, "late", "web-" + i);
                TestCluster.await("pods found unschedulable", Duration.ofSeconds(20), () -> c.client.pods().inNamespace("late").list().getItems().stream()
                        .allMatch(p -> p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                                .anyMatch(x -> x.getType().equals("PodScheduled") && x.getStatus().equals("False"))));
                // past the pods' 1 s backoff (which would otherwise hold them until every node is there): this is
                // the case of `kubectl create deploy` shortly before `wharf sim-nodes`
                Thread.sleep(Scheduler.INITIAL_BACKOFF.toMillis() + 500);
                // the nodes register in parallel, as `wharf sim-nodes` does
                List<Thread> ts = new ArrayList<>();
                for (String n : List.of("x", "y", "z")) ts.add(Thread.ofVirtual().start(() -> node(c, n)));
                for (Thread t : ts) t.join();
                assertEquals(Map.of("x", 1, "y", 1, "z", 1), placement(c, "late", 3));
            }
        }
    }
}
