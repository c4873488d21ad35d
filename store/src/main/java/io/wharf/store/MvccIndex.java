package io.wharf.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * An in-memory multi-version index of keys: for each key a chain of versions, newest first, so that readers get a
 * consistent snapshot at any revision not yet compacted without taking a lock (the way etcd's treeIndex serves
 * reads at a revision). One writer thread mutates it ({@link #put}, {@link #delete}, {@link #compact}); any number
 * of readers read at a revision the writer has already published.
 *
 * <p>Readers must check, after reading, that the revision they read at is still {@code >=} the compaction floor
 * (see {@link #compact}): a concurrent compaction may cut chains below it.
 */
final class MvccIndex {
    /** One version of a key; {@code kv == null} marks a deletion (tombstone) at {@code rev}. */
    static final class Version {
        final long rev;
        final KeyValue kv;
        volatile Version prev;

        Version(long rev, KeyValue kv, Version prev) {
            this.rev = rev;
            this.kv = kv;
            this.prev = prev;
        }
    }

    /** A page read from the index; the caller attaches the revision. */
    record Page(List<KeyValue> items, boolean more) {}

    private final ConcurrentSkipListMap<String, Version> heads = new ConcurrentSkipListMap<>(Keys.ORDER);

    private static Version at(Version v, long rev) {
        while (v != null && v.rev > rev) {
            v = v.prev;
        }
        return v;
    }

    /** The latest version of a key as applied by the writer (writer thread only, or for "any recent" reads). */
    KeyValue latest(String key) {
        Version v = heads.get(key);
        return v == null ? null : v.kv;
    }

    /** The live version of a key at {@code rev}, or null. */
    KeyValue get(String key, long rev) {
        Version v = at(heads.get(key), rev);
        return v == null ? null : v.kv;
    }

    /** Writer only: records a new version (create or update). Versions of a key must come in revision order. */
    void put(KeyValue kv) {
        heads.put(kv.key(), new Version(kv.modRevision(), kv, heads.get(kv.key())));
    }

    /** Writer only: records the deletion of {@code key} at {@code rev}. */
    void delete(String key, long rev) {
        heads.put(key, new Version(rev, null, heads.get(key)));
    }

    Page list(String prefix, String startKey, int limit, long rev) {
        String from = startKey == null || startKey.isEmpty() || Keys.compare(startKey, prefix) < 0 ? prefix : startKey;
        List<KeyValue> items = new ArrayList<>(limit > 0 ? Math.min(limit, 1024) : 16);
        for (Map.Entry<String, Version> e : heads.tailMap(from, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            Version v = at(e.getValue(), rev);
            if (v == null || v.kv == null) {
                continue;
            }
            if (limit > 0 && items.size() == limit) {
                return new Page(items, true);
            }
            items.add(v.kv);
        }
        return new Page(items, false);
    }

    long count(String prefix, long rev) {
        long n = 0;
        for (Map.Entry<String, Version> e : heads.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            Version v = at(e.getValue(), rev);
            if (v != null && v.kv != null) {
                n++;
            }
        }
        return n;
    }

    /** The number of keys with a live latest version (writer's view). */
    int liveKeys() {
        int n = 0;
        for (Version v : heads.values()) {
            if (v.kv != null) {
                n++;
            }
        }
        return n;
    }

    /**
     * Writer only: forgets versions no longer needed for reads at revisions {@code >= floor}: in each chain of
     * the given keys (those written since the last compaction), the newest version at or below {@code floor} is
     * kept as the chain's end, or the key is dropped if that version is its head and a deletion. The caller has
     * already raised its floor, so no reader can legally read below it.
     */
    void compact(long floor, Iterable<String> keys) {
        for (String key : keys) {
            Version head = heads.get(key);
            Version keep = at(head, floor);
            if (keep == null) {
                continue;
            }
            keep.prev = null;
            if (keep == head && keep.kv == null) {
                heads.remove(key, head);
            }
        }
    }
}
