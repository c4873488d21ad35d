package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DeploymentUtilTest {
    static PodTemplateSpec template(String image, String cpu) {
        return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "x").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image)
                .withNewResources().addToRequests("cpu", new Quantity(cpu)).endResources().endContainer().endSpec().build();
    }

    @Test
    void percentRoundingSurgeUpUnavailableDown() {
        // the tutorial: 2 replicas, 25%/25% -> surge 1 (0.5 up), unavailable 0 (0.5 down)
        assertEquals(new DeploymentUtil.Fenceposts(1, 0), DeploymentUtil.resolveFenceposts(new IntOrString("25%"), new IntOrString("25%"), 2));
        // 10 replicas, 25%: surge 3 (2.5 up), unavailable 2 (2.5 down)
        assertEquals(new DeploymentUtil.Fenceposts(3, 2), DeploymentUtil.resolveFenceposts(new IntOrString("25%"), new IntOrString("25%"), 10));
        // both zero -> unavailable 1
        assertEquals(new DeploymentUtil.Fenceposts(0, 1), DeploymentUtil.resolveFenceposts(new IntOrString(0), new IntOrString("10%"), 3));
        assertEquals(new DeploymentUtil.Fenceposts(1, 0), DeploymentUtil.resolveFenceposts(new IntOrString(1), new IntOrString(0), 3));
    }

    @Test
    void safeEncodingAlphabet() {
        // rand.SafeEncodeString: each byte indexes "bcdfghjklmnpqrstvwxz2456789" modulo 27
        assertEquals("df4", DeploymentUtil.safeEncode("890")); // 56%27=2, 57%27=3, 48%27=21
        String h = DeploymentUtil.computeHash(template("nginx:1", "100m"), null);
        assertTrue(h.matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}"), h);
    }

    @Test
    void fnv32aKnownVectors() {
        assertEquals(0x811c9dc5, DeploymentUtil.fnv32a(new byte[0], 0x811c9dc5));
        assertEquals(0xe40c292c, DeploymentUtil.fnv32a("a".getBytes(), 0x811c9dc5));
        assertEquals(0xbf9cf968, DeploymentUtil.fnv32a("foobar".getBytes(), 0x811c9dc5));
    }

    @Test
    void templatesComparedByMeaning() {
        assertTrue(DeploymentUtil.equalIgnoreHash(template("nginx:1", "100m"), template("nginx:1", "0.1")));
        PodTemplateSpec withHash = new PodTemplateSpecBuilder(template("nginx:1", "100m")).editMetadata()
                .addToLabels("pod-template-hash", "abc").endMetadata().build();
        assertTrue(DeploymentUtil.equalIgnoreHash(template("nginx:1", "100m"), withHash));
        assertFalse(DeploymentUtil.equalIgnoreHash(template("nginx:1", "100m"), template("nginx:2", "100m")));
        assertEquals(DeploymentUtil.computeHash(template("nginx:1", "100m"), null), DeploymentUtil.computeHash(withHash, null));
        assertNotEquals(DeploymentUtil.computeHash(withHash, null), DeploymentUtil.computeHash(withHash, 1));
    }
}
