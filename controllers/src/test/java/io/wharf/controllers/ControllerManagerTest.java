package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.wharf.controllers.sim.NodeSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The whole loop in-process: API server, controller manager, scheduler and 3 simulated nodes. */
class ControllerManagerTest {
    static Deployment deployment(String ns, String name, int replicas, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withNewMaxSurge(1).withNewMaxUnavailable(0).endRollingUpdate().endStrategy()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    @Test
    @Timeout(120)
    void deploymentRollsOutOnSimulatedNodes() throws Exception {
        try (TestCluster c = new TestCluster();
             var cm = new ControllerManager(c.client, ControllerManager.Options.defaults());
             var sim = new NodeSimulator(c.client, "cmt", 3, NodeSimulator.Options.defaults(), Clock.systemUTC())) {
            sim.start();
            cm.start();
            c.namespace("cm1");
            c.client.resource(deployment("cm1", "web", 3, "nginx:1.25")).create();
            TestCluster.await("3 available", Duration.ofSeconds(60), () -> {
                Deployment d = c.client.apps().deployments().inNamespace("cm1").withName("web").get();
                return d.getStatus() != null && d.getStatus().getAvailableReplicas() != null && d.getStatus().getAvailableReplicas() == 3
                        && d.getStatus().getUpdatedReplicas() == 3;
            });
            List<Pod> pods = c.client.pods().inNamespace("cm1").list().getItems();
            assertEquals(3, pods.size());
            for (Pod p : pods) {
                assertEquals("Running", p.getStatus().getPhase());
                assertTrue(p.getSpec().getNodeName().startsWith("cmt-"));
                assertNotNull(p.getStatus().getPodIP());
            }
            List<ReplicaSet> rss = c.client.apps().replicaSets().inNamespace("cm1").list().getItems();
            assertEquals(1, rss.size());
            assertEquals("1", rss.getFirst().getMetadata().getAnnotations().get(DeploymentUtil.REVISION));
            // roll to a new image: two ReplicaSets, the new one at revision 2 with all pods
            c.client.apps().deployments().inNamespace("cm1").withName("web")
                    .edit(d -> new DeploymentBuilder(d).editSpec().editTemplate().editSpec().editFirstContainer().withImage("nginx:1.26")
                            .endContainer().endSpec().endTemplate().endSpec().build());
            TestCluster.await("rolled out", Duration.ofSeconds(60), () -> {
                Deployment d = c.client.apps().deployments().inNamespace("cm1").withName("web").get();
                var st = d.getStatus();
                return st.getObservedGeneration() == 2 && st.getUpdatedReplicas() == 3 && st.getReplicas() == 3 && st.getAvailableReplicas() == 3;
            });
            Deployment d = c.client.apps().deployments().inNamespace("cm1").withName("web").get();
            assertEquals("2", d.getMetadata().getAnnotations().get(DeploymentUtil.REVISION));
            assertTrue(d.getStatus().getConditions().stream().anyMatch(x -> x.getType().equals("Progressing") && x.getReason().equals("NewReplicaSetAvailable")),
                    d.getStatus().getConditions().toString());
        }
    }
}
