package io.wharf.controllers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class WorkQueueTest {
    @Test
    @Timeout(10)
    void dedupsAndNeverHandsOutAKeyTwiceAtOnce() throws Exception {
        try (WorkQueue<String> q = new WorkQueue<>("t")) {
            q.add("a");
            q.add("a");
            q.add("b");
            assertEquals(2, q.length());
            assertEquals("a", q.take());
            q.add("a"); // while processing: parked, not queued
            assertEquals(1, q.length());
            assertEquals("b", q.take());
            assertEquals(0, q.length());
            q.done("a"); // now it comes back
            assertEquals(1, q.length());
            assertEquals("a", q.take());
            q.done("a");
            q.done("b");
            assertEquals(0, q.length());
        }
    }

    @Test
    @Timeout(10)
    void backoffDoublesAndForgetResets() {
        try (WorkQueue<String> q = new WorkQueue<>("t", Duration.ofMillis(5), Duration.ofSeconds(1))) {
            assertEquals(Duration.ofMillis(5), q.nextDelay("k"));
            assertEquals(Duration.ofMillis(10), q.nextDelay("k"));
            assertEquals(Duration.ofMillis(20), q.nextDelay("k"));
            assertEquals(3, q.numRequeues("k"));
            for (int i = 0; i < 20; i++) q.nextDelay("k");
            assertEquals(Duration.ofSeconds(1), q.nextDelay("k"));
            q.forget("k");
            assertEquals(Duration.ofMillis(5), q.nextDelay("k"));
        }
    }

    @Test
    @Timeout(10)
    void addAfterKeepsTheEarliest() throws Exception {
        try (WorkQueue<String> q = new WorkQueue<>("t")) {
            q.addAfter("k", Duration.ofSeconds(30));
            q.addAfter("k", Duration.ofMillis(50));
            long t0 = System.nanoTime();
            assertEquals("k", q.take());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    @Timeout(10)
    void closeReleasesWaitingWorkers() throws Exception {
        WorkQueue<String> q = new WorkQueue<>("t");
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                assertNull(q.take());
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        q.close();
        t.join(5000);
        assertFalse(t.isAlive());
    }
}
