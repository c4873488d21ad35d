package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.wharf.controllers.sim.NodeSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A Deployment of many replicas on many simulated nodes, all in this JVM, timed from create to all available
 * ({@code -Dwharf.scale.nodes=100 -Dwharf.scale.replicas=1000}). It prints the figure and gates only on
 * completion (within 5 minutes), never on speed: the numbers for the targets come from bench/.
 */
class SimScaleIT {
    @Test
    @Timeout(600)
    void deploymentOfManyReplicasOnManySimulatedNodes() throws Exception {
        int nodes = Integer.getInteger("wharf.scale.nodes", 100);
        int replicas = Integer.getInteger("wharf.scale.replicas", 1000);
        try (TestCluster c = new TestCluster();
             var sim = new NodeSimulator(c.client, "scale", nodes, NodeSimulator.Options.defaults(), Clock.systemUTC());
             var cm = new ControllerManager(c.client, ControllerManager.Options.defaults())) {
            sim.start();
            cm.start();
            c.namespace("scale");
            long t0 = System.nanoTime();
            c.client.resource(ControllerManagerTest.deployment("scale", "big", replicas, "nginx:1.25")).create();
            TestCluster.await("all available", Duration.ofMinutes(5), () -> {
                Deployment d = c.client.apps().deployments().inNamespace("scale").withName("big").get();
                return d.getStatus() != null && d.getStatus().getAvailableReplicas() != null && d.getStatus().getAvailableReplicas() == replicas;
            });
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Runtime rt = Runtime.getRuntime();
            System.out.printf("SCALE %d replicas on %d simulated nodes: all available after %d ms (heap used %d MB, whole JVM incl. API server)%n",
                    replicas, nodes, ms, (rt.totalMemory() - rt.freeMemory()) >> 20);
            assertEquals(replicas, c.client.pods().inNamespace("scale").list().getItems().stream().filter(Pods::isReady).count());
        }
    }
}
