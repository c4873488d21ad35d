package io.wharf.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The one contract every {@link Store} passes. Implementations may share one backing store between tests (etcd),
 * so every test works under its own random key prefix and checks revisions relative to what it saw.
 */
abstract class StoreContractTest {
    /** Opens the store under test (for a shared backend: a new client of it). */
    protected abstract Store open() throws Exception;

    /** Closes {@code store} and opens it again over the same data (SQLite: reopen the file; etcd: reconnect). */
    protected abstract Store reopen(Store store) throws Exception;

    protected Store store;
    protected String p;

    @BeforeEach
    void setUp() throws Exception {
        store = open();
        p = "/test/" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, UTF_8);
    }

    static void assertKind(ErrorKind kind, Executable call) {
        WharfException e = assertThrows(WharfException.class, call);
        assertEquals(kind, e.kind(), () -> "expected " + kind + " but got " + e.kind() + ": " + e.getMessage());
    }

    /** Takes exactly {@code n} non-progress events, failing after 10 s. */
    static List<WatchEvent> take(Watch w, int n) throws InterruptedException {
        List<WatchEvent> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (out.size() < n) {
            if (System.nanoTime() > deadline) {
                fail("got only " + out.size() + " of " + n + " events: " + out);
            }
            for (WatchEvent e : w.pollBatch(n - out.size(), Duration.ofMillis(200))) {
                if (!(e instanceof WatchEvent.Progress)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    static void assertNoMoreEvents(Watch w) throws InterruptedException {
        WatchEvent e = w.poll(Duration.ofMillis(300));
        assertTrue(e == null || e instanceof WatchEvent.Progress, () -> "unexpected event " + e);
    }

    static String key(WatchEvent e) {
        return EventLog.key(e);
    }

    @Test
    void createGetUpdateDelete() {
        String k = p + "a";
        long before = store.currentRevision();
        KeyValue c = store.create(k, b("one"));
        assertEquals(k, c.key());
        assertTrue(c.modRevision() > before);
        assertEquals(c.createRevision(), c.modRevision());
        assertTrue(c.isCreate());
        assertEquals(c.modRevision(), store.currentRevision());

        KeyValue g = store.get(k).orElseThrow();
        assertEquals("one", s(g.value()));
        assertEquals(c.modRevision(), g.modRevision());
        assertEquals(c.createRevision(), g.createRevision());

        assertKind(ErrorKind.ALREADY_EXISTS, () -> store.create(k, b("again")));
        assertKind(ErrorKind.CONFLICT, () -> store.update(k, b("two"), c.modRevision() + 1000));
        assertEquals("one", s(store.get(k).orElseThrow().value()), "a failed update changes nothing");

        KeyValue u = store.update(k, b("two"), c.modRevision());
        assertTrue(u.modRevision() > c.modRevision());
        assertEquals(c.createRevision(), u.createRevision());
        assertFalse(u.isCreate());
        assertKind(ErrorKind.CONFLICT, () -> store.update(k, b("three"), c.modRevision()));

        KeyValue u2 = store.update(k, b("three"), 0);
        assertTrue(u2.modRevision() > u.modRevision());
        assertEquals("three", s(store.get(k).orElseThrow().value()));

        assertKind(ErrorKind.CONFLICT, () -> store.delete(k, u.modRevision()));
        Deleted d = store.delete(k, u2.modRevision());
        assertEquals("three", s(d.previous().value()));
        assertEquals(u2.modRevision(), d.previous().modRevision());
        assertTrue(d.revision() > u2.modRevision());
        assertTrue(store.get(k).isEmpty());

        assertKind(ErrorKind.NOT_FOUND, () -> store.update(k, b("x"), 0));
        assertKind(ErrorKind.NOT_FOUND, () -> store.delete(k, 0));

        KeyValue again = store.create(k, b("reborn"));
        assertTrue(again.createRevision() > d.revision(), "a re-created key has a new createRevision");
        Deleted d2 = store.delete(k, 0);
        assertEquals("reborn", s(d2.previous().value()));
    }

    @Test
    void emptyValuesAndUnicodeKeys() {
        KeyValue e = store.create(p + "empty", new byte[0]);
        assertEquals(0, store.get(p + "empty").orElseThrow().value().length);
        assertEquals(e.modRevision(), store.get(p + "empty").orElseThrow().modRevision());
        store.create(p + "\u00e9", b("e-acute"));
        store.create(p + "\ud83d\ude00", b("emoji"));
        store.create(p + "\uffee", b("halfwidth"));
        List<String> keys = store.list(p).items().stream().map(KeyValue::key).toList();
        // UTF-8 byte order: U+00E9 < U+FFEE < U+1F600 (String.compareTo would put the emoji before U+FFEE).
        assertEquals(List.of(p + "empty", p + "\u00e9", p + "\uffee", p + "\ud83d\ude00"), keys);
    }

    @Test
    void revisionsOnlyGrow() {
        long last = store.currentRevision();
        for (int i = 0; i < 20; i++) {
            KeyValue kv = store.create(p + "k" + i, b("v" + i));
            assertTrue(kv.modRevision() > last, "revision " + kv.modRevision() + " after " + last);
            last = kv.modRevision();
            if (i % 3 == 0) {
                KeyValue u = store.update(kv.key(), b("w"), kv.modRevision());
                assertTrue(u.modRevision() > last);
                last = u.modRevision();
            }
            if (i % 5 == 0) {
                Deleted d = store.delete(kv.key(), 0);
                assertTrue(d.revision() > last);
                last = d.revision();
            }
            assertTrue(store.currentRevision() >= last);
        }
    }

    @Test
    void listPrefixLimitContinueAndSnapshot() {
        for (int i = 0; i < 10; i++) {
            store.create(p + "ns/obj" + i, b("v" + i));
        }
        store.create(p + "ns2/trap", b("not under ns/"));
        store.create(p + "nr", b("before ns/"));

        ListResult all = store.list(p + "ns/");
        assertEquals(10, all.items().size());
        assertFalse(all.more());
        assertNull(all.continueKey());
        assertEquals(store.currentRevision(), all.revision());
        for (int i = 0; i < 10; i++) {
            assertEquals(p + "ns/obj" + i, all.items().get(i).key());
            assertEquals("v" + i, s(all.items().get(i).value()));
        }
        assertEquals(10, store.count(p + "ns/"));
        assertEquals(12, store.count(p));
        assertEquals(0, store.count(p + "zzz/"));

        ListResult page1 = store.list(p + "ns/", null, 4, 0);
        assertEquals(4, page1.items().size());
        assertTrue(page1.more());
        assertNotNull(page1.continueKey());
        long snapshot = page1.revision();

        // Changes after the first page must not show in later pages read at the snapshot.
        store.delete(p + "ns/obj5", 0);
        store.create(p + "ns/obj55", b("new"));
        store.update(p + "ns/obj6", b("changed"), 0);

        ListResult page2 = store.list(p + "ns/", page1.continueKey(), 4, snapshot);
        assertEquals(snapshot, page2.revision());
        assertEquals(List.of(p + "ns/obj4", p + "ns/obj5", p + "ns/obj6", p + "ns/obj7"),
                page2.items().stream().map(KeyValue::key).toList());
        assertEquals("v6", s(page2.items().get(2).value()));
        assertTrue(page2.more());
        ListResult page3 = store.list(p + "ns/", page2.continueKey(), 4, snapshot);
        assertEquals(List.of(p + "ns/obj8", p + "ns/obj9"), page3.items().stream().map(KeyValue::key).toList());
        assertFalse(page3.more());

        // Exactly `limit` items left: more must be false.
        ListResult exact = store.list(p + "ns/", p + "ns/obj8", 2, snapshot);
        assertEquals(2, exact.items().size());
        assertFalse(exact.more());

        ListResult now = store.list(p + "ns/");
        assertEquals(10, now.items().size());
        assertTrue(now.items().stream().anyMatch(kv -> kv.key().equals(p + "ns/obj55")));
        assertTrue(now.items().stream().noneMatch(kv -> kv.key().equals(p + "ns/obj5")));
        assertTrue(now.revision() > snapshot);

        assertKind(ErrorKind.INVALID_ARGUMENT, () -> store.list(p, null, 0, store.currentRevision() + 1000));
    }

    @Test
    void aSnapshotStaysTheSameWhileWritersChangeEverything() throws Exception {
        for (int i = 0; i < 30; i++) {
            store.create(p + "s/" + i, b("v0"));
        }
        ListResult snap = store.list(p + "s/");
        List<String> expected = snap.items().stream().map(kv -> kv.key() + "=" + s(kv.value()) + "@" + kv.modRevision()).toList();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> writer = ex.submit(() -> {
                for (int round = 1; round <= 5; round++) {
                    for (int i = 0; i < 30; i++) {
                        String k = p + "s/" + i;
                        if ((i + round) % 7 == 0) {
                            store.delete(k, 0);
                            store.create(k, b("v" + round));
                        } else {
                            store.update(k, b("v" + round), 0);
                        }
                    }
                    store.create(p + "s/new" + round, b("n"));
                }
                return null;
            });
            boolean more;
            do {
                more = !writer.isDone(); // one last pass after the writer is done
                ListResult again = store.list(p + "s/", null, 0, snap.revision());
                assertEquals(expected, again.items().stream().map(kv -> kv.key() + "=" + s(kv.value()) + "@" + kv.modRevision()).toList());
                // paged, too
                List<String> paged = new ArrayList<>();
                String start = null;
                do {
                    ListResult page = store.list(p + "s/", start, 7, snap.revision());
                    page.items().forEach(kv -> paged.add(kv.key() + "=" + s(kv.value()) + "@" + kv.modRevision()));
                    start = page.continueKey();
                } while (start != null);
                assertEquals(expected, paged);
            } while (more);
            writer.get();
        }
        assertEquals(35, store.count(p + "s/"));
    }

    @Test
    void getAndListAfterCompaction() {
        KeyValue a = store.create(p + "a", b("1"));
        KeyValue a2 = store.update(p + "a", b("2"), 0);
        store.create(p + "b", b("b"));
        store.delete(p + "b", 0);
        KeyValue c = store.create(p + "c", b("c"));
        ListResult old = store.list(p, null, 0, a.modRevision());
        assertEquals(1, old.items().size());
        assertEquals("1", s(old.items().getFirst().value()));

        store.compact(c.modRevision());
        assertTrue(store.compactRevision() >= c.modRevision());
        assertKind(ErrorKind.GONE, () -> store.list(p, null, 0, a.modRevision()));
        ListResult atFloor = store.list(p, null, 0, c.modRevision());
        assertEquals(List.of(p + "a", p + "c"), atFloor.items().stream().map(KeyValue::key).toList());
        assertEquals("2", s(store.get(p + "a").orElseThrow().value()));
        assertEquals(a2.modRevision(), store.get(p + "a").orElseThrow().modRevision());
        store.compact(a.modRevision()); // below the floor: nothing happens
        assertTrue(store.compactRevision() >= c.modRevision());
    }

    @Test
    void watchFromListRevisionSeesEveryEventInOrder() throws Exception {
        store.create(p + "x/1", b("one"));
        ListResult listed = store.list(p + "x/");
        long r = listed.revision();

        // Written between the list and the watch: must still be delivered.
        KeyValue k2 = store.create(p + "x/2", b("two"));
        KeyValue k1u = store.update(p + "x/1", b("one'"), 0);
        store.create(p + "y/other", b("other prefix"));

        try (Watch w = store.watch(p + "x/", r)) {
            assertEquals(p + "x/", w.prefix());
            Deleted d = store.delete(p + "x/2", 0);
            KeyValue k3 = store.create(p + "x/3", b("three"));

            List<WatchEvent> ev = take(w, 4);
            long last = r;
            for (WatchEvent e : ev) {
                assertTrue(e.revision() > last, "events in revision order: " + ev);
                last = e.revision();
            }
            WatchEvent.Put e0 = assertInstanceOf(WatchEvent.Put.class, ev.get(0));
            assertEquals(k2.modRevision(), e0.revision());
            assertTrue(e0.kv().isCreate());
            assertNull(e0.prev());
            assertEquals("two", s(e0.kv().value()));

            WatchEvent.Put e1 = assertInstanceOf(WatchEvent.Put.class, ev.get(1));
            assertEquals(k1u.modRevision(), e1.revision());
            assertFalse(e1.kv().isCreate());
            assertEquals("one'", s(e1.kv().value()));
            assertNotNull(e1.prev());
            assertEquals("one", s(e1.prev().value()));

            WatchEvent.Delete e2 = assertInstanceOf(WatchEvent.Delete.class, ev.get(2));
            assertEquals(d.revision(), e2.revision());
            assertEquals(p + "x/2", e2.key());
            assertEquals("two", s(e2.prev().value()));

            WatchEvent.Put e3 = assertInstanceOf(WatchEvent.Put.class, ev.get(3));
            assertEquals(k3.modRevision(), e3.revision());
            assertNoMoreEvents(w);
        }
    }

    @Test
    void watchFromNowSkipsEarlierWrites() throws Exception {
        store.create(p + "before", b("x"));
        try (Watch w = store.watch(p, 0)) {
            KeyValue after = store.create(p + "after", b("y"));
            List<WatchEvent> ev = take(w, 1);
            assertEquals(after.modRevision(), ev.getFirst().revision());
            assertEquals(p + "after", key(ev.getFirst()));
        }
    }

    @Test
    void watchCloseEndsPoll() throws Exception {
        Watch w = store.watch(p, 0);
        w.close();
        w.close();
        assertKind(ErrorKind.UNAVAILABLE, () -> w.poll(Duration.ofMillis(100)));
    }

    @Test
    void requestProgressDeliversAProgressEvent() throws Exception {
        try (Watch w = store.watch(p + "quiet/", 0)) {
            store.create(p + "elsewhere", b("x"));
            long rev = store.currentRevision();
            w.requestProgress();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            WatchEvent e;
            do {
                e = w.poll(Duration.ofMillis(200));
            } while (e == null && System.nanoTime() < deadline);
            WatchEvent.Progress pr = assertInstanceOf(WatchEvent.Progress.class, e);
            assertTrue(pr.revision() >= rev, "progress " + pr.revision() + " < " + rev);
        }
    }

    @Test
    void watchFromCompactedRevisionIsGone() throws Exception {
        KeyValue a = store.create(p + "a", b("1"));
        store.update(p + "a", b("2"), 0);
        KeyValue c = store.update(p + "a", b("3"), 0);
        store.compact(c.modRevision());
        assertKind(ErrorKind.GONE, () -> {
            try (Watch w = store.watch(p, a.modRevision())) {
                // etcd may report compaction on the stream rather than at open
                w.poll(Duration.ofSeconds(5));
            }
        });
        try (Watch w = store.watch(p, c.modRevision())) {
            KeyValue d = store.update(p + "a", b("4"), 0);
            List<WatchEvent> ev = take(w, 1);
            assertEquals(d.modRevision(), ev.getFirst().revision());
            assertEquals("3", s(((WatchEvent.Put) ev.getFirst()).prev().value()));
        }
    }

    @Test
    void concurrentWritersGetDistinctRevisionsAndCasLosesNothing() throws Exception {
        int writers = 16, each = 20;
        store.create(p + "counter", b("0"));
        ConcurrentLinkedQueue<Long> revs = new ConcurrentLinkedQueue<>();
        try (Watch w = store.watch(p + "items/", store.currentRevision());
             ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int id = t;
                fs.add(ex.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        revs.add(store.create(p + "items/" + id + "-" + i, b("x")).modRevision());
                        // optimistic increment with retry, as the API server's GuaranteedUpdate
                        while (true) {
                            KeyValue cur = store.get(p + "counter").orElseThrow();
                            int n = Integer.parseInt(s(cur.value()));
                            try {
                                revs.add(store.update(p + "counter", b(Integer.toString(n + 1)), cur.modRevision()).modRevision());
                                break;
                            } catch (WharfException e) {
                                assertEquals(ErrorKind.CONFLICT, e.kind(), e.getMessage());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            assertEquals(writers * each, Integer.parseInt(s(store.get(p + "counter").orElseThrow().value())));
            assertEquals(2 * writers * each, new HashSet<>(revs).size(), "every write has its own revision");
            assertEquals(writers * each, store.count(p + "items/"));
            List<WatchEvent> ev = take(w, writers * each);
            Set<String> keys = new HashSet<>();
            long last = 0;
            for (WatchEvent e : ev) {
                assertTrue(e.revision() > last);
                last = e.revision();
                keys.add(key(e));
            }
            assertEquals(writers * each, keys.size());
            assertNoMoreEvents(w);
        }
    }

    @Test
    void survivesRestart() throws Exception {
        KeyValue a = store.create(p + "a", b("alpha"));
        KeyValue b1 = store.create(p + "b", b("beta"));
        KeyValue b2 = store.update(p + "b", b("beta2"), b1.modRevision());
        store.create(p + "c", b("gamma"));
        Deleted dc = store.delete(p + "c", 0);
        long rev = store.currentRevision();

        store = reopen(store);

        assertTrue(store.currentRevision() >= rev);
        KeyValue ga = store.get(p + "a").orElseThrow();
        assertEquals(a.modRevision(), ga.modRevision());
        assertEquals(a.createRevision(), ga.createRevision());
        assertArrayEquals(b("alpha"), ga.value());
        KeyValue gb = store.get(p + "b").orElseThrow();
        assertEquals(b2.modRevision(), gb.modRevision());
        assertEquals(b1.createRevision(), gb.createRevision());
        assertEquals("beta2", s(gb.value()));
        assertTrue(store.get(p + "c").isEmpty());

        // History survives too: a watcher reconnecting from an old revision misses nothing.
        try (Watch w = store.watch(p, a.modRevision())) {
            List<WatchEvent> ev = take(w, 4);
            assertEquals(b1.modRevision(), ev.get(0).revision());
            assertEquals(b2.modRevision(), ev.get(1).revision());
            assertEquals(dc.revision(), ev.get(3).revision());
            assertInstanceOf(WatchEvent.Delete.class, ev.get(3));
            KeyValue d = store.create(p + "d", b("delta"));
            assertTrue(d.modRevision() > rev, "no revision is reused after a restart");
            assertEquals(d.modRevision(), take(w, 1).getFirst().revision());
        }
    }
}
