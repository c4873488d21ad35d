package io.wharf.store;

import io.wharf.common.Component;
import java.util.Optional;

/**
 * A revisioned key/value store with watch-from-revision and compaction: the semantics of etcd v3 as used by
 * kube-apiserver (and by k3s's kine), reduced to what the API server needs. Bytes and revisions only; the API
 * server owns encoding, defaulting and validation.
 *
 * <h2>Revisions</h2>
 * Every successful write (create, update, delete) gets a new global revision, strictly greater than every
 * revision before it (not always by one: etcd counts writes of other clients, and SQLite may skip a revision
 * after a failed commit). Revisions are never reused and survive a restart (and a {@code kill -9}). A write returns only after it is durable. {@link #currentRevision()} is the revision of the
 * latest durable write (or a base value &gt;= 0 for an empty store). Kubernetes' {@code resourceVersion} of an
 * object is its {@link KeyValue#modRevision()}; of a list, {@link ListResult#revision()}.
 *
 * <h2>Compaction</h2>
 * {@link #compact(long) compact(r)} discards the history before {@code r}: after it, reads at a revision
 * {@code < r} and watches from a revision {@code < r} fail with {@link io.wharf.common.ErrorKind#GONE};
 * {@link #compactRevision()} tells the current floor. The latest version of every live key is always kept.
 * Implementations may compact by themselves (the SQLite store keeps a window of recent revisions, see its
 * options; with etcd the API server should call {@code compact} periodically as kube-apiserver does, e.g. every
 * 5 minutes to the revision it saw 5 minutes earlier).
 *
 * <h2>Errors</h2>
 * Every failure is an {@link io.wharf.common.WharfException} whose {@link io.wharf.common.ErrorKind} is the one
 * named on the method: NOT_FOUND, ALREADY_EXISTS, CONFLICT, GONE, INVALID_ARGUMENT; UNAVAILABLE when the backing
 * store cannot be reached (etcd down) or the store is closed; INTERNAL for bugs and I/O failures. A write that
 * fails with UNAVAILABLE or INTERNAL may or may not have happened (as with etcd); all other errors mean it did
 * not happen.
 *
 * <h2>Concurrency and lifecycle</h2>
 * All methods are thread-safe and blocking; call them from virtual threads. A store is usable as soon as its
 * factory returns ({@code SqliteStore.open}, {@code EtcdStore.connect}); {@link #start()} starts its background
 * jobs (periodic compaction) and may be skipped in tests; {@link #close()} ends all watches (with UNAVAILABLE)
 * and releases files/connections.
 *
 * <h2>Key layout for the API server</h2>
 * As kube-apiserver: {@code /registry/<resource>/<namespace>/<name>} for namespaced objects and
 * {@code /registry/<resource>/<name>} for cluster-scoped ones, e.g. {@code /registry/pods/default/web-0},
 * {@code /registry/deployments/default/web}, {@code /registry/namespaces/default}; where two groups share a
 * resource name, put the group in ({@code /registry/events.k8s.io/events/...}). List one namespace with the
 * prefix {@code /registry/pods/ns/} and all namespaces with {@code /registry/pods/} (note the trailing '/').
 */
public interface Store extends Component {

    /**
     * Reads the latest version of one key.
     *
     * @return the key's current version, or empty if it does not exist
     */
    Optional<KeyValue> get(String key);

    /**
     * Reads a consistent snapshot of the keys under {@code prefix}, in key order.
     *
     * @param prefix   the keys to list (those that start with it); "" lists everything
     * @param startKey where to start, inclusive: null or "" for the beginning of the prefix, else the
     *                 {@link ListResult#continueKey()} of the previous page (must start with the prefix, or sort
     *                 after it and so give an empty page)
     * @param limit    at most this many items; {@code <= 0} for no limit
     * @param revision the revision to read at: 0 for the current one; for the next page of a paged list pass the
     *                 {@link ListResult#revision()} of the first page.
     * @return the items and the snapshot revision (never 0: {@code revision} if given, else the current one)
     * @throws io.wharf.common.WharfException GONE if {@code revision} is below {@link #compactRevision()};
     *                                        INVALID_ARGUMENT if it is above {@link #currentRevision()}
     */
    ListResult list(String prefix, String startKey, int limit, long revision);

    /** Lists everything under {@code prefix} at the current revision. */
    default ListResult list(String prefix) {
        return list(prefix, null, 0, 0);
    }

    /** The number of live keys under {@code prefix} at the current revision. */
    long count(String prefix);

    /**
     * Creates a key that must not exist.
     *
     * @return the new version (createRevision == modRevision == the write's revision)
     * @throws io.wharf.common.WharfException ALREADY_EXISTS if the key exists
     */
    KeyValue create(String key, byte[] value);

    /**
     * Replaces the value of an existing key, optimistically: only if its current modRevision is
     * {@code expectedModRevision}.
     *
     * @param expectedModRevision the modRevision the caller read (Kubernetes' resourceVersion of the object it
     *                            changed); 0 to update unconditionally
     * @return the new version (same createRevision, new modRevision)
     * @throws io.wharf.common.WharfException NOT_FOUND if the key does not exist; CONFLICT if its modRevision is
     *                                        not {@code expectedModRevision}
     */
    KeyValue update(String key, byte[] value, long expectedModRevision);

    /**
     * Deletes a key, optionally only if its current modRevision is {@code expectedModRevision}.
     *
     * @param expectedModRevision 0 to delete whatever version is there
     * @return the deleted version and the revision of the delete
     * @throws io.wharf.common.WharfException NOT_FOUND if the key does not exist; CONFLICT if
     *                                        {@code expectedModRevision != 0} and differs from its modRevision
     */
    Deleted delete(String key, long expectedModRevision);

    /**
     * Watches the keys under {@code prefix}: delivers every change with revision {@code > fromRevision}, in
     * revision order, with no gap, including changes made before this call (replayed from history) and after it.
     * Typical use: {@code r = list(prefix).revision()} then {@code watch(prefix, r)} sees everything after the
     * list.
     *
     * @param fromRevision deliver events strictly after this revision; 0 means "from now" (after
     *                     {@link #currentRevision()} at the time of the call)
     * @throws io.wharf.common.WharfException GONE if {@code fromRevision != 0} and
     *                                        {@code fromRevision < compactRevision()}: the events after it may
     *                                        no longer exist; the caller must list again
     */
    Watch watch(String prefix, long fromRevision);

    /**
     * Discards history before {@code revision} (see the class comment). Compacting to a revision at or below
     * {@link #compactRevision()} does nothing.
     *
     * @throws io.wharf.common.WharfException INVALID_ARGUMENT if {@code revision > currentRevision()}
     */
    void compact(long revision);

    /** The revision of the latest write (a consistent read: every write acknowledged before the call is included). */
    long currentRevision();

    /** The revision below which history has been discarded (0 if never compacted). */
    long compactRevision();

    /** Starts background jobs (periodic compaction where the implementation has it). Idempotent. */
    @Override
    default void start() {}
}
