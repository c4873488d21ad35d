package io.wharf.store;

import static io.wharf.store.StoreContractTest.assertKind;
import static io.wharf.store.StoreContractTest.b;
import static io.wharf.store.StoreContractTest.s;
import static io.wharf.store.StoreContractTest.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.common.ErrorKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link WatchCache} over each store implementation. */
abstract class WatchCacheContractTest {
    protected abstract Store open() throws Exception;

    Store store;
    String p;
    final List<WatchCache> caches = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        store = open();
        p = "/wc/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void tearDown() {
        caches.forEach(WatchCache::close);
        store.close();
    }

    WatchCache cache(int ring) {
        WatchCache c = new WatchCache(store, p, new WatchCache.Options(ring, Duration.ofHours(1), Duration.ofSeconds(5)));
        caches.add(c);
        c.start();
        return c;
    }

    static List<String> keys(ListResult r) {
        return r.items().stream().map(KeyValue::key).toList();
    }

    @Test
    void listsAreConsistentAndPagedSnapshotsComeFromMemory() {
        for (int i = 0; i < 5; i++) {
            store.create(p + "ns1/o" + i, b("v" + i));
        }
        store.create(p + "ns2/x", b("x"));
        WatchCache c = cache(1000);
        assertEquals(5, c.list(p + "ns1/", null, 0, 0).items().size());
        assertEquals(6, c.count(p));

        // Read-your-writes: a write acknowledged by the store is in the next consistent list.
        KeyValue n = store.create(p + "ns1/o5", b("new"));
        ListResult after = c.list(p + "ns1/", null, 0, 0);
        assertEquals(6, after.items().size());
        assertTrue(after.revision() >= n.modRevision());
        assertEquals("new", s(c.get(p + "ns1/o5").orElseThrow().value()));

        ListResult page1 = c.list(p + "ns1/", null, 2, 0);
        assertTrue(page1.more());
        store.update(p + "ns1/o2", b("changed"), 0);
        store.delete(p + "ns1/o3", 0);
        ListResult page2 = c.list(p + "ns1/", page1.continueKey(), 2, page1.revision());
        assertEquals(List.of(p + "ns1/o2", p + "ns1/o3"), keys(page2));
        assertEquals("v2", s(page2.items().getFirst().value()));
        assertEquals(page1.revision(), page2.revision());

        ListResult now = c.listNotOlderThan(p + "ns1/", null, 0, store.currentRevision());
        assertEquals(List.of(p + "ns1/o0", p + "ns1/o1", p + "ns1/o2", p + "ns1/o4", p + "ns1/o5"), keys(now));
        assertEquals("changed", s(now.items().get(2).value()));
        ListResult any = c.listNotOlderThan(p + "ns1/", null, 0, 0);
        assertTrue(any.revision() > 0);
    }

    @Test
    void watchFromAListRevisionSeesEveryEventInOrder() throws Exception {
        store.create(p + "a", b("1"));
        WatchCache c = cache(1000);
        ListResult listed = c.list(p, null, 0, 0);
        KeyValue u = store.update(p + "a", b("2"), 0);
        KeyValue created = store.create(p + "b", b("b"));
        try (Watch w = c.watch(p, listed.revision(), false)) {
            Deleted d = store.delete(p + "a", 0);
            List<WatchEvent> ev = take(w, 3);
            assertEquals(List.of(u.modRevision(), created.modRevision(), d.revision()),
                    ev.stream().map(WatchEvent::revision).toList());
            WatchEvent.Put put = assertInstanceOf(WatchEvent.Put.class, ev.getFirst());
            assertEquals("1", s(put.prev().value()));
            assertNull(((WatchEvent.Put) ev.get(1)).prev());
            assertEquals("2", s(assertInstanceOf(WatchEvent.Delete.class, ev.get(2)).prev().value()));
        }
    }

    @Test
    void resumeWithinTheRingAndFromTheStoreBeforeIt() throws Exception {
        WatchCache c = cache(5);
        List<KeyValue> writes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            writes.add(store.create(p + "k" + i, b("v")));
        }
        assertTrue(c.waitFor(writes.getLast().modRevision(), Duration.ofSeconds(5)));
        try (Watch w = c.watch(p, writes.get(7).modRevision(), false)) {
            List<WatchEvent> ev = take(w, 2);
            assertEquals(writes.get(8).modRevision(), ev.get(0).revision());
            assertEquals(writes.get(9).modRevision(), ev.get(1).revision());
        }
        // Older than the ring: the store replays it.
        try (Watch w = c.watch(p, writes.get(2).modRevision(), false)) {
            List<WatchEvent> ev = take(w, 7);
            assertEquals(writes.get(3).modRevision(), ev.getFirst().revision());
            assertEquals(writes.get(9).modRevision(), ev.getLast().revision());
        }
        // An exact list older than the ring goes to the store too.
        ListResult old = c.list(p, null, 0, writes.get(2).modRevision());
        assertEquals(3, old.items().size());
        // Compacted in the store: gone for good.
        store.compact(writes.get(5).modRevision());
        assertKind(ErrorKind.GONE, () -> c.watch(p, writes.get(2).modRevision(), false));
        assertKind(ErrorKind.GONE, () -> c.list(p, null, 0, writes.get(2).modRevision()));
    }

    @Test
    void aWatcherOvertakenByTheRingEndsWithGone() throws Exception {
        WatchCache c = cache(5);
        Watch w = c.watch(p, 0, false);
        KeyValue last = null;
        for (int i = 0; i < 20; i++) {
            last = store.create(p + "k" + i, b("v"));
        }
        assertTrue(c.waitFor(last.modRevision(), Duration.ofSeconds(5)));
        assertKind(ErrorKind.GONE, () -> w.poll(Duration.ofSeconds(1)));
        w.close();
    }

    @Test
    void bookmarksOnlyForWatchesThatAskForThem() throws Exception {
        WatchCache c = cache(100);
        try (Watch with = c.watch(p, 0, true); Watch without = c.watch(p, 0, false)) {
            KeyValue kv = store.create(p + "x", b("x"));
            assertEquals(kv.modRevision(), take(with, 1).getFirst().revision());
            assertEquals(kv.modRevision(), take(without, 1).getFirst().revision());
            c.bookmark();
            WatchEvent.Progress bm = assertInstanceOf(WatchEvent.Progress.class, with.poll(Duration.ofSeconds(5)));
            assertTrue(bm.revision() >= kv.modRevision());
            assertNull(without.poll(Duration.ofMillis(300)));
        }
    }

    @Test
    void writesOutsideThePrefixDoNotStallConsistentReads() {
        WatchCache c = cache(100);
        store.create(p + "in", b("x"));
        for (int i = 0; i < 3; i++) {
            store.create("/elsewhere/" + UUID.randomUUID(), b("y"));
        }
        long target = store.currentRevision();
        // listNotOlderThan fails rather than fall back to the store: success shows the cache learnt it is current.
        ListResult r = c.listNotOlderThan(p, null, 0, target);
        assertTrue(r.revision() >= target);
        assertEquals(List.of(p + "in"), keys(r));
    }

    @Test
    void manyWatchersEachGetEveryEvent() throws Exception {
        WatchCache c = cache(1000);
        List<Watch> ws = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ws.add(c.watch(i % 2 == 0 ? p : p + "odd/", 0, false));
        }
        KeyValue a = store.create(p + "odd/a", b("a"));
        KeyValue e = store.create(p + "even", b("e"));
        for (int i = 0; i < ws.size(); i++) {
            Watch w = ws.get(i);
            if (i % 2 == 0) {
                assertEquals(List.of(a.modRevision(), e.modRevision()), take(w, 2).stream().map(WatchEvent::revision).toList());
            } else {
                assertEquals(a.modRevision(), take(w, 1).getFirst().revision());
            }
            w.close();
        }
    }

    @Test
    void closeEndsWatchesAndOutsidePrefixGoesToTheStore() throws Exception {
        WatchCache c = cache(100);
        String other = "/outside/" + UUID.randomUUID() + "/";
        store.create(other + "k", b("v"));
        assertEquals(1, c.list(other, null, 0, 0).items().size());
        assertEquals(1, c.count(other));
        assertFalse(c.get(other + "k").isEmpty());
        Watch w = c.watch(p, 0, false);
        c.close();
        assertKind(ErrorKind.UNAVAILABLE, () -> w.poll(Duration.ofSeconds(1)));
        assertKind(ErrorKind.UNAVAILABLE, () -> c.list(p, null, 0, 0));
    }
}
