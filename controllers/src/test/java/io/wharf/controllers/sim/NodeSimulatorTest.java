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
