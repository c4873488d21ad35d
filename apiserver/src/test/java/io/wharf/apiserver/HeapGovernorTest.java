package io.wharf.apiserver;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeapGovernorTest {
    private static final long MB = 1L << 20;

    @Test
    void nothingBelowTheFloor() {
        assertFalse(HeapGovernor.shouldCollect(HeapGovernor.FLOOR, 0));
        assertFalse(HeapGovernor.shouldCollect(60 * MB, 10 * MB));
        assertTrue(HeapGovernor.shouldCollect(HeapGovernor.FLOOR + 1, 0));
    }

    @Test
    void collectsWhenTheOldGenerationDoubledSinceTheLastFullCollection() {
        assertFalse(HeapGovernor.shouldCollect(300 * MB, 150 * MB));
        assertTrue(HeapGovernor.shouldCollect(301 * MB, 150 * MB));
    }

    @Test
    void installsAtMostOnce() {
        HeapGovernor.installOnce();
        assertFalse(HeapGovernor.installOnce());
    }
}
