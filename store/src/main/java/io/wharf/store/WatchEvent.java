package io.wharf.store;

import java.util.Objects;

/**
 * What a {@link Watch} delivers, in strictly increasing {@link #revision()} order. A closed set: switch over it
 * exhaustively.
 */
public sealed interface WatchEvent {
    /** The revision of the write (for {@link Progress}: the revision up to which everything was delivered). */
    long revision();

    /**
     * A key was created or updated.
     *
     * @param kv   the new version; {@code kv.modRevision()} is the event's revision; {@code kv.isCreate()} tells
     *             a create (Kubernetes ADDED) from an update (MODIFIED)
     * @param prev the version before this write, or null for a create. (Always filled for updates by every
     *             store here; consumers may still treat null on an update as "unknown".)
     */
    record Put(KeyValue kv, KeyValue prev) implements WatchEvent {
        public Put {
            Objects.requireNonNull(kv, "kv");
        }

        @Override
        public long revision() {
            return kv.modRevision();
        }
    }

    /**
     * A key was deleted.
     *
     * @param prev     the last version before the delete (value included), as etcd's prevKV
     * @param revision the revision of the delete
     */
    record Delete(KeyValue prev, long revision) implements WatchEvent {
        public Delete {
            Objects.requireNonNull(prev, "prev");
        }

        public String key() {
            return prev.key();
        }
    }

    /**
     * A bookmark: every event with revision &lt;= {@code revision} matching the watch has been delivered. A
     * {@link WatchCache} watch opened with bookmarks emits these periodically (Kubernetes BOOKMARK); any watch
     * emits one after {@link Watch#requestProgress()}; otherwise a store watch never does. Consumers that do not
     * care skip them.
     */
    record Progress(long revision) implements WatchEvent {}
}
