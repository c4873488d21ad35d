package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import org.junit.jupiter.api.Test;
import java.time.Duration;

class DebugTest {
    @Test
    void debug() throws Exception {
        try (TestCluster c = new TestCluster()) {
            c.namespace("d1");
            Informers inf = new Informers(c.client);
            inf.of(ReplicaSet.class);
            inf.start(Duration.ofSeconds(10));
            var nsInf = c.client.apps().replicaSets().inNamespace("d1").inform();
            java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            var w = c.client.apps().replicaSets().inAnyNamespace().watch(new io.fabric8.kubernetes.client.Watcher<ReplicaSet>() {
                public void eventReceived(Action a, ReplicaSet r) { seen.add(a + " " + r.getMetadata().getName()); }
                public void onClose(io.fabric8.kubernetes.client.WatcherException e) {}
            });
            System.out.println("synced " + inf.list(ReplicaSet.class).size());
            var created = c.client.resource(ReplicaSetControllerTest.rs("web", 1).edit().editMetadata().withNamespace("d1").endMetadata().build()).create();
            System.out.println("created " + created.getMetadata().getResourceVersion());
            Thread.sleep(3000);
            System.out.println("list " + inf.list(ReplicaSet.class) .size() + " keys " + inf.of(ReplicaSet.class).getIndexer().listKeys());
            System.out.println("direct " + c.client.apps().replicaSets().inAnyNamespace().list().getItems().size());
            System.out.println("ns informer " + nsInf.getIndexer().listKeys() + " raw watch " + seen);
            inf.close();
        }
    }
}
