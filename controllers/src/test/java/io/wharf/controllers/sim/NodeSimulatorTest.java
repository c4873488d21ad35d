package io.wharf.controllers.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.wharf.controllers.Pods;
import io.wharf.controllers.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The simulator registers nodes and leases and plays the kubelet for pods bound to its nodes. */
class NodeSimulatorTest {
    @Test
    @Timeout(60)
    void registersNodesAndRunsPods() throws Exception {
        try (TestCluster c = new TestCluster();
             NodeSimulator sim = new NodeSimulator(c.client, "ns-sim", 2,
                     NodeSimulator.Options.defaults().withCompleteAfter(Duration.ofMillis(300)), Clock.systemUTC())) {
            sim.start();
            List<Node> nodes = c.client.nodes().withLabel(NodeSimulator.SIM_LABEL, NodeSimulator.SIM_LABEL_VALUE).list().getItems();
            assertEquals(List.of("ns-sim-0", "ns-sim-1"), nodes.stream().map(n -> n.getMetadata().getName()).sorted().toList());
            Node n = nodes.getFirst();
            assertEquals("True", NodeSimulator.readyStatus(n));
            assertEquals("4", n.getStatus().getAllocatable().get("cpu").toString());
            assertTrue(n.getStatus().getAddresses().stream().anyMatch(a -> a.getType().equals("InternalIP")));
            assertNotNull(c.client.leases().inNamespace("kube-node-lease").withName("ns-sim-0").get().getSpec().getRenewTime());
            c.namespace("sim1");
            c.client.resource(new PodBuilder().withNewMetadata().withName("web").withNamespace("sim1").endMetadata()
                    .withNewSpec().withNodeName("ns-sim-1").addNewContainer().withName("c").withImage("nginx").endContainer().endSpec().build()).create();
            c.client.resource(new PodBuilder().withNewMetadata().withName("task").withNamespace("sim1").endMetadata()
                    .withNewSpec().withNodeName("ns-sim-0").withRestartPolicy("Never").addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build()).create();
            TestCluster.await("web running and ready", Duration.ofSeconds(20), () -> {
                Pod p = c.client.pods().inNamespace("sim1").withName("web").get();
                return "Running".equals(p.getStatus().getPhase()) && Pods.isReady(p);
            });
            Pod web = c.client.pods().inNamespace("sim1").withName("web").get();
            assertNotNull(web.getStatus().getPodIP());
            assertTrue(web.getStatus().getContainerStatuses().getFirst().getState().getRunning() != null);
            TestCluster.await("task succeeded", Duration.ofSeconds(20),
                    () -> "Succeeded".equals(c.client.pods().inNamespace("sim1").withName("task").get().getStatus().getPhase()));
            assertEquals(0, c.client.pods().inNamespace("sim1").withName("task").get().getStatus().getContainerStatuses().getFirst()
                    .getState().getTerminated().getExitCode());
            // graceful deletion: the simulated kubelet confirms it
            c.client.pods().inNamespace("sim1").withName("web").delete();
            TestCluster.await("web gone", Duration.ofSeconds(20), () -> c.client.pods().inNamespace("sim1").withName("web").get() == null);
        }
    }

    @Test
    @Timeout(60)
    void renewsLeasesAndReportsStatusWithPatches() throws Exception {
        try (TestCluster c = new TestCluster();
             NodeSimulator sim = new NodeSimulator(c.client, "lp-sim", 1,
                     NodeSimulator.Options.defaults().withLeaseInterval(Duration.ofMillis(300)), Clock.systemUTC())) {
            sim.writer().onWrite(c.writes::add);
            sim.start();
            var first = c.client.leases().inNamespace("kube-node-lease").withName("lp-sim-0").get().getSpec().getRenewTime();
            TestCluster.await("lease renewed", Duration.ofSeconds(10), () ->
                    !c.client.leases().inNamespace("kube-node-lease").withName("lp-sim-0").get().getSpec().getRenewTime().equals(first));
            var lease = c.client.leases().inNamespace("kube-node-lease").withName("lp-sim-0").get();
            assertEquals("lp-sim-0", lease.getSpec().getHolderIdentity());
            assertEquals(40, lease.getSpec().getLeaseDurationSeconds());
            c.namespace("lp");
            c.client.resource(new PodBuilder().withNewMetadata().withName("web").withNamespace("lp").endMetadata()
                    .withNewSpec().withNodeName("lp-sim-0").addNewContainer().withName("c").withImage("nginx").endContainer().endSpec().build()).create();
            TestCluster.await("web running and ready", Duration.ofSeconds(20), () -> Pods.isReady(c.client.pods().inNamespace("lp").withName("web").get()));
            Pod web = c.client.pods().inNamespace("lp").withName("web").get();
            assertEquals("Running", web.getStatus().getPhase());
            assertEquals(List.of("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"),
                    web.getStatus().getConditions().stream().map(x -> x.getType()).toList());
            assertEquals("nginx", web.getSpec().getContainers().getFirst().getImage()); // the status patch left the spec alone
            assertTrue(c.takeWrites().contains("patch pod lp/web"));
        }
    }

    @Test
    void parsesTheCommandLine() {
        var a = SimNodesCommand.parse(List.of("--count", "3", "--prefix=edge", "--cpu", "8", "--ready-delay-ms", "500", "--delete-on-exit"));
        assertEquals(3, a.count());
        assertEquals("edge", a.prefix());
        assertEquals("8", a.options().cpu());
        assertEquals(Duration.ofMillis(500), a.options().readyDelay());
        assertTrue(a.deleteOnExit());
        assertThrows(IllegalArgumentException.class, () -> SimNodesCommand.parse(List.of("--prefix", "x")));
        assertThrows(IllegalArgumentException.class, () -> SimNodesCommand.parse(List.of("--count", "1", "--bogus", "1")));
    }
}
