package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** With leader election the manager takes the Lease kube-system/wharf-controller-manager before running. */
class LeaderElectionTest {
    @Test
    @Timeout(60)
    void takesTheLeaseAndRuns() throws Exception {
        try (TestCluster c = new TestCluster();
             var cm = new ControllerManager(c.client, ControllerManager.Options.defaults().withLeaderElection(true).withControllers(Set.of("serviceaccount")))) {
            cm.start();
            TestCluster.await("lease held", Duration.ofSeconds(30), () -> {
                Lease l = c.client.leases().inNamespace("kube-system").withName("wharf-controller-manager").get();
                return l != null && l.getSpec().getHolderIdentity() != null && !l.getSpec().getHolderIdentity().isEmpty();
            });
            // the controllers run: the serviceaccount controller fills a new namespace
            c.namespace("le1");
            TestCluster.await("default sa", Duration.ofSeconds(30),
                    () -> c.client.serviceAccounts().inNamespace("le1").withName("default").get() != null);
        }
    }
}
