package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.wharf.controllers.Informers;
import io.wharf.controllers.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** Filters, the FailedScheduling text and placement, against nodes and pods in a real in-process API server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SchedulerTest {
    TestCluster c;
    Informers informers;
    Scheduler s;

    @BeforeAll
    void up() throws Exception {
        c = new TestCluster();
        c.namespace("sch");
        node("n0", "2", Map.of("disk", "ssd"), null);
        node("n1", "1", Map.of(), new Taint("NoSchedule", "key", null, "value"));
        node("n2", "1", Map.of(), null);
        informers = new Informers(c.client);
        s = new Scheduler(informers, c.writer, Clock.systemUTC());
        informers.start(Duration.ofSeconds(30));
        TestCluster.await("nodes", Duration.ofSeconds(10), () -> informers.list(Node.class).size() == 3);
        // decide() reads the scheduler's own cache, which the handlers fill after the informer's store: wait for it too
        TestCluster.await("scheduler cache", Duration.ofSeconds(10), () -> s.knownNodes() == 3);
    }

    @AfterAll
    void down() throws Exception {
        s.close();
        informers.close();
        c.close();
    }

    void node(String name, String cpu, Map<String, String> labels, Taint taint) {
        Node n = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withTaints(taint == null ? java.util.List.of() : java.util.List.of(taint)).endSpec().build();
        Node created = c.client.resource(n).create();
        c.client.resource(new NodeBuilder(created).withNewStatus().addToAllocatable("cpu", new Quantity(cpu))
                .addToAllocatable("memory", new Quantity("4Gi")).addToAllocatable("pods", new Quantity("110")).endStatus().build()).updateStatus();
    }

    static Pod pod(String name, String cpu) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("sch").withUid(name + "-uid").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("x")
                .withNewResources().addToRequests("cpu", new Quantity(cpu)).endResources().endContainer().endSpec().build();
    }

    @Test
    void fitErrorTextIsKubernetes() {
        Map<String, Integer> reasons = new TreeMap<>(Map.of("node(s) had untolerated taint {key: value}", 1, "Insufficient cpu", 2));
        assertEquals("0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 Insufficient cpu. "
                        + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
                Scheduler.fitError(3, reasons, 1, 2));
    }

    @Test
    void filtersExplainEveryNode() {
        var d = s.decide(pod("huge", "3"));
        assertNull(d.node());
        assertEquals("0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 Insufficient cpu. "
                + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.", d.message());
        Pod sel = new PodBuilder(pod("sel", "100m")).editSpec().addToNodeSelector("disk", "ssd").endSpec().build();
        assertEquals("n0", s.decide(sel).node());
        Pod none = new PodBuilder(pod("none", "100m")).editSpec().addToNodeSelector("disk", "hdd").endSpec().build();
        assertEquals("0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 node(s) didn't match Pod's node affinity/selector. "
                + "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", s.decide(none).message());
        Pod tol = new PodBuilder(pod("tol", "100m")).editSpec().addToNodeSelector("kubernetes.io/hostname", "n1").addNewToleration()
                .withKey("key").withOperator("Equal").withValue("value").withEffect("NoSchedule").endToleration().endSpec().build();
        // n1 has no hostname label: nothing matches; with the label selector dropped the toleration lets n1 in
        assertNull(s.decide(tol).node());
        Pod byName = new PodBuilder(pod("byname", "100m")).editSpec().withNodeName("n2").endSpec().build();
        assertEquals("n2", s.decide(byName).node());
    }

    @Test
    void schedulesAndBindsThroughTheApi() throws Exception {
        c.client.resource(new PodBuilder(pod("real", "1500m")).editMetadata().withUid(null).endMetadata().build()).create();
        s.start();
        TestCluster.await("bound", Duration.ofSeconds(20), () -> {
            Pod p = c.client.pods().inNamespace("sch").withName("real").get();
            return p.getSpec().getNodeName() != null;
        });
        assertEquals("n0", c.client.pods().inNamespace("sch").withName("real").get().getSpec().getNodeName());
        assertTrue(c.takeWrites().contains("bind pod sch/real->n0"));
    }

    @Test
    void podAntiAffinitySpreadsAndAffinityFollows() throws Exception {
        // a placed pod "db" on n2 (by nodeName, bound through the API so the scheduler's cache sees it)
        Pod db = new PodBuilder(pod("db", "100m")).editMetadata().withUid(null).addToLabels("app", "db").endMetadata()
                .editSpec().withNewAffinity().withNewPodAntiAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withTopologyKey("kubernetes.io/hostname").withNewLabelSelector().addToMatchLabels("app", "db").endLabelSelector()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().endAffinity().endSpec().build();
        Pod created = c.client.resource(db).create();
        c.writer.bind(created, "n2");
        TestCluster.await("db placed", Duration.ofSeconds(10), () -> informers.get(Pod.class, "sch/db").getSpec().getNodeName() != null);
        for (String n : java.util.List.of("n0", "n1", "n2")) {
            Node node = c.client.nodes().withName(n).get();
            c.client.resource(new NodeBuilder(node).editMetadata().addToLabels("kubernetes.io/hostname", n).endMetadata().build()).update();
        }
        TestCluster.await("labels cached", Duration.ofSeconds(10), () -> informers.list(Node.class).stream()
                .allMatch(n -> n.getMetadata().getLabels() != null && n.getMetadata().getLabels().containsKey("kubernetes.io/hostname")));
        // a second db may not share n2 (its own anti-affinity, and db's): only n0 is left (n1 is tainted)
        Pod db2 = new PodBuilder(db).editMetadata().withName("db2").withUid("db2-uid").endMetadata().build();
        assertEquals("n0", s.decide(db2).node());
        // a pod that must sit next to a db: n2 only
        Pod cache = new PodBuilder(pod("cache", "100m")).editSpec().withNewAffinity().withNewPodAffinity().addNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withTopologyKey("kubernetes.io/hostname").withNewLabelSelector().addToMatchLabels("app", "db").endLabelSelector()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAffinity().endAffinity().endSpec().build();
        assertEquals("n2", s.decide(cache).node());
        // two more dbs than nodes: the message names the rules
        Pod db3 = new PodBuilder(db).editMetadata().withName("db3").withUid("db3-uid").endMetadata().editSpec().addToNodeSelector("kubernetes.io/hostname", "n2").endSpec().build();
        assertTrue(s.decide(db3).message().contains("1 node(s) didn't satisfy existing pods anti-affinity rules"), s.decide(db3).message());
    }
}
