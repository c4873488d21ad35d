package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.file.Path;
import java.time.Duration;

/** Manual poking against a running API server: java ... DebugMain kubeconfig. Not a test. */
public final class DebugMain {
    public static void main(String[] args) throws Exception {
        try (var client = ControllerManager.client(Path.of(args[0]))) {
            var seen = new java.util.concurrent.CopyOnWriteArrayList<String>();
            var w = client.apps().replicaSets().inAnyNamespace().watch(new io.fabric8.kubernetes.client.Watcher<ReplicaSet>() {
                public void eventReceived(Action a, ReplicaSet r) { seen.add(a + " " + r.getMetadata().getName()); System.out.println("EVENT " + a + " " + r.getMetadata().getName()); }
                public void onClose(io.fabric8.kubernetes.client.WatcherException e) { System.out.println("CLOSED " + e); }
            });
            System.out.println("watching");
            Thread.sleep(Long.parseLong(args[1]));
            w.close();
            System.out.println("seen " + seen);
        }
        System.exit(0);
    }
}
