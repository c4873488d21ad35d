package io.wharf.scheduler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NodeInfoTest {
    @Test
    void aNewerCopyOfAPlacedPodReplacesTheAssumedOneAndCountsOnce() {
        NodeInfo ni = new NodeInfo();
        Pod assumed = SchedulerTest.pod("web-1", "250m");
        ni.add(assumed);
        // the informer's copy once the bind is seen, then the simulated kubelet's Running status: same uid
        Pod seen = new PodBuilder(assumed).editSpec().withNodeName("n0").endSpec().editOrNewStatus().withPhase("Running").endStatus().build();
        ni.add(seen);
        assertEquals(1, ni.podCount());
        assertSame(seen, ni.podList().getFirst(), "the newest object is held, not a second copy next to the informer's");
        assertEquals(new Resources(250, 0), ni.requested);
        ni.remove(assumed.getMetadata().getUid());
        assertEquals(List.of(), ni.podList());
        assertEquals(Resources.ZERO, ni.requested);
    }
}
