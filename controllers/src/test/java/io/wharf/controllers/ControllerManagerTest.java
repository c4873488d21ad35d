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

    @Test
    @Timeout(120)
    void recreateStopsOldPodsBeforeStartingNewOnesAndPausedHolds() throws Exception {
        try (TestCluster c = new TestCluster();
             var cm = new ControllerManager(c.client, ControllerManager.Options.defaults());
             var sim = new NodeSimulator(c.client, "rct", 2, NodeSimulator.Options.defaults(), Clock.systemUTC())) {
            sim.start();
            cm.start();
            c.namespace("rc1");
            Deployment d = new DeploymentBuilder(deployment("rc1", "db", 2, "mysql:5.7")).editSpec().withNewStrategy().withType("Recreate").endStrategy().endSpec().build();
            c.client.resource(d).create();
            TestCluster.await("2 available", Duration.ofSeconds(60), () -> {
                Deployment x = c.client.apps().deployments().inNamespace("rc1").withName("db").get();
                return x.getStatus() != null && x.getStatus().getAvailableReplicas() != null && x.getStatus().getAvailableReplicas() == 2;
            });
            // watch that old and new pods never run together
            java.util.List<String> overlaps = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            var inf = c.client.pods().inNamespace("rc1").inform();
            inf.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<Pod>() {
                void check() {
                    var images = inf.getStore().list().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                            .map(p -> p.getSpec().getContainers().getFirst().getImage()).distinct().toList();
                    if (images.size() > 1) overlaps.add(images.toString());
                }
                public void onAdd(Pod p) { check(); }
                public void onUpdate(Pod a, Pod b) { check(); }
                public void onDelete(Pod p, boolean u) { check(); }
            });
            c.client.apps().deployments().inNamespace("rc1").withName("db").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec()
                    .editFirstContainer().withImage("mysql:8.0").endContainer().endSpec().endTemplate().endSpec().build());
            TestCluster.await("recreated", Duration.ofSeconds(60), () -> {
                Deployment x = c.client.apps().deployments().inNamespace("rc1").withName("db").get();
                var st = x.getStatus();
                return st.getObservedGeneration() == 2 && st.getUpdatedReplicas() == 2 && st.getAvailableReplicas() == 2 && st.getReplicas() == 2;
            });
            inf.close();
            assertEquals(List.of(), overlaps);
            // paused: a template change makes no new ReplicaSet until resumed
            c.client.apps().deployments().inNamespace("rc1").withName("db").edit(x -> new DeploymentBuilder(x).editSpec().withPaused(true).endSpec().build());
            c.client.apps().deployments().inNamespace("rc1").withName("db").edit(x -> new DeploymentBuilder(x).editSpec().editTemplate().editSpec()
                    .editFirstContainer().withImage("mysql:8.4").endContainer().endSpec().endTemplate().endSpec().build());
            TestCluster.await("paused condition", Duration.ofSeconds(30), () -> c.client.apps().deployments().inNamespace("rc1").withName("db").get()
                    .getStatus().getConditions().stream().anyMatch(x -> "DeploymentPaused".equals(x.getReason())));
            Thread.sleep(500);
            assertEquals(2, c.client.apps().replicaSets().inNamespace("rc1").list().getItems().size());
            c.client.apps().deployments().inNamespace("rc1").withName("db").edit(x -> new DeploymentBuilder(x).editSpec().withPaused(false).endSpec().build());
            TestCluster.await("third set", Duration.ofSeconds(30), () -> c.client.apps().replicaSets().inNamespace("rc1").list().getItems().size() == 3);
        }
    }
}
