package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The informer caches' transform: what it drops, what it shares, and that the objects stay usable. */
class CacheTransformTest {
    static Pod decoded(String name) {
        Pod p = new PodBuilder().withNewMetadata().withName(name).withNamespace("ct").addToLabels("app", "web")
                .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("kubectl").withOperation("Update").withApiVersion("v1").build())
                .endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx:alpine")
                .withNewResources().addToRequests("cpu", new Quantity("100m")).endResources().endContainer().endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
        // as an informer gets it: decoded from JSON, every string its own copy
        return Serialization.unmarshal(Serialization.asJson(p), Pod.class);
    }

    @Test
    void dropsManagedFieldsAndSharesStringsAndEmptyMaps() {
        Pod a = decoded("a"), b = decoded("b");
        assertNotSame(a.getSpec().getContainers().getFirst().getImage(), b.getSpec().getContainers().getFirst().getImage());
        assertSame(a, CacheTransform.apply(a));
        CacheTransform.apply(b);
        assertNull(a.getMetadata().getManagedFields());
        assertSame(a.getSpec().getContainers().getFirst().getImage(), b.getSpec().getContainers().getFirst().getImage());
        assertSame(a.getMetadata().getLabels().get("app"), b.getMetadata().getLabels().get("app"));
        assertSame(a.getStatus().getConditions().getFirst().getType(), b.getStatus().getConditions().getFirst().getType());
        assertSame(a.getSpec().getContainers().getFirst().getResources().getRequests().get("cpu").getFormat(),
                b.getSpec().getContainers().getFirst().getResources().getRequests().get("cpu").getFormat());
        assertSame(a.getAdditionalProperties(), b.getStatus().getAdditionalProperties());
        assertTrue(a.getAdditionalProperties().isEmpty());
        // empty list fields (the model makes an ArrayList for each) share one empty list too
        assertTrue(a.getSpec().getContainers().getFirst().getPorts().isEmpty());
        assertSame(a.getSpec().getContainers().getFirst().getPorts(), b.getSpec().getVolumes());
    }

    @Test
    void slimmedObjectsStillCompareCopyAndSerialize() {
        Pod a = decoded("a"), plain = decoded("a");
        plain.getMetadata().setManagedFields(null);
        CacheTransform.apply(a);
        assertEquals(plain, a);
        assertEquals(plain.hashCode(), a.hashCode());
        // a copy made to change is a normal, mutable object
        Pod copy = new PodBuilder(a).editMetadata().addToLabels("tier", "front").endMetadata().build();
        copy.setAdditionalProperty("x", 1);
        copy.getStatus().setAdditionalProperty("y", 2);
        copy.getSpec().getContainers().getFirst().getPorts().add(new io.fabric8.kubernetes.api.model.ContainerPort(80, null, null, "http", "TCP"));
        copy.getSpec().getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("v").build());
        assertTrue(a.getSpec().getVolumes().isEmpty());
        assertEquals(Map.of("app", "web", "tier", "front"), copy.getMetadata().getLabels());
        assertEquals(Serialization.asJson(plain), Serialization.asJson(a));
    }

    @Test
    void informersKeepTheSlimmedCopy() throws Exception {
        try (TestCluster c = new TestCluster(); Informers inf = new Informers(c.client)) {
            c.namespace("ct");
            c.client.resource(decoded("p")).create();
            inf.of(Pod.class);
            inf.start(Duration.ofSeconds(30));
            TestCluster.await("cached", Duration.ofSeconds(10), () -> inf.get(Pod.class, "ct/p") != null);
            Pod cached = inf.get(Pod.class, "ct/p");
            assertNull(cached.getMetadata().getManagedFields());
            assertSame("nginx:alpine".intern(), cached.getSpec().getContainers().getFirst().getImage());
            assertEquals("web", cached.getMetadata().getLabels().get("app"));
        }
    }
}
