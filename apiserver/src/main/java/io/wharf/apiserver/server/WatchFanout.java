package io.wharf.apiserver.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import io.wharf.store.KeyValue;
import io.wharf.store.Watch;
import io.wharf.store.WatchEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Watch fan-out for plain JSON watches (no label/field selector, no Table, chunked HTTP/1.1 or HTTP/2, not
 * WebSocket), after kube-apiserver's cacher: one hub per key prefix reads the watch cache once, encodes each event
 * once ({@code {"type":…,"object":…}\n} as one retained buffer) and writes those same bytes to every member watch,
 * on the members' event loops: one task per event loop per batch of events, and one flush per connection per batch
 * (a connection typically carries many HTTP/2 watch streams). A per-watcher thread that wakes, encodes and flushes
 * each event for itself cost 1,000 wake-ups, encodings and TLS records per event with 1,000 watchers.
 *
 * <p>A watch joins a hub only when its starting revision is at or after the last revision the hub has dispatched
 * (the usual case: a client lists, then watches from the list's revision); the members then skip events up to their
 * own revision. A watch from an older revision is served by the caller's own per-watch loop until it has caught up
 * with the cache, and joins then.
 *
 * <p>All writes of a member (hub events, the final error and the end of the response) run on its channel's event
 * loop, so that nothing is written after the end. A member whose channel stays unwritable (a client that stopped
 * reading) for {@link #STALLED} is closed; its client re-watches from the last revision it saw, as with
 * kube-apiserver's cacher, which also ends watchers that do not keep up.
 */
final class WatchFanout {
    private static final Logger log = LoggerFactory.getLogger(WatchFanout.class);
    static final Duration STALLED = Duration.ofSeconds(30);
    private static final Duration IDLE = Duration.ofSeconds(60);

    private final Storage storage;
    private final Map<String, Hub> hubs = new HashMap<>();

    WatchFanout(Storage storage) {
        this.storage = storage;
    }

    /** What ends a member: the hub's watch failed (then maybe an ERROR event to send first), or null on a normal end. */
    record End(byte[] errorEvent) {}

    /**
     * Registers a watch of {@code prefix} that has already been sent every event up to {@code from} (its initial
     * events, if any, are written before this call); returns null when the watch must be served on its own (its
     * revision is behind the hub's).
     */
    Member join(ResourceType t, String prefix, long from, boolean bookmarks, HttpExchange ex) {
        if (from <= 0) return null;
        Member m = new Member(ex.channel(), ex.http2(), from, bookmarks);
        while (true) {
            Hub h;
            synchronized (hubs) {
                h = hubs.get(prefix);
                if (h == null) {
                    h = new Hub(t, prefix, from); // may throw GONE: the caller answers 410 as for its own watch
                    hubs.put(prefix, h);
                    h.start();
                }
            }
            switch (h.add(m)) {
                case JOINED -> { return m; }
                case BEHIND -> { return null; }
                case CLOSED -> { synchronized (hubs) { hubs.remove(prefix, h); } }
            }
        }
    }

    int hubCount() {
        synchronized (hubs) { return hubs.size(); }
    }

    /** One watch request fed by a hub. Its fields other than the final ones are touched on its event loop only. */
    static final class Member {
        final Channel channel;
        final EventLoop loop;
        final boolean http2;
        final long from;
        final boolean bookmarks;
        /** Completed by the hub when it stops feeding this member (its watch failed). */
        final CompletableFuture<End> ended = new CompletableFuture<>();
        volatile Hub hub;
        private boolean finished;
        private long unwritableSince;

        Member(Channel channel, boolean http2, long from, boolean bookmarks) {
            this.channel = channel;
            this.loop = channel.eventLoop();
            this.http2 = http2;
            this.from = from;
            this.bookmarks = bookmarks;
        }

        /** The connection to flush after writing: the parent of an HTTP/2 stream. */
        Channel flushTarget() {
            return http2 && channel.parent() != null ? channel.parent() : channel;
        }

        /** On the loop: writes shared bytes without flushing. */
        void write(ByteBuf shared) {
            ByteBuf b = shared.retainedDuplicate();
            channel.write(http2 ? new DefaultHttp2DataFrame(b) : new DefaultHttpContent(b), channel.voidPromise());
        }

        /** True when the member should stop getting events: ended, or stalled for too long (then closed). */
        boolean skip(long now) {
            if (finished) return true;
            if (channel.isWritable()) {
                unwritableSince = 0;
                return false;
            }
            if (!channel.isActive()) return true;
            if (unwritableSince == 0) unwritableSince = now == 0 ? 1 : now;
            else if (now - unwritableSince > STALLED.toNanos()) {
                log.info("closing a watch whose client has not read for {} s", STALLED.toSeconds());
                finished = true;
                channel.close();
                return true;
            }
            return false;
        }

        /**
         * Leaves the hub and ends the response: {@code lastChunk} (an ERROR event, or null), then the end of the
         * body, after every event the hub has queued for this member. {@code closeAfter}: HTTP/1.1 without
         * keep-alive.
         */
        void finish(byte[] lastChunk, boolean closeAfter) {
            Hub h = hub;
            if (h != null) h.remove(this);
            try {
                loop.execute(() -> {
                    if (finished) return;
                    finished = true;
                    if (lastChunk != null) write(Unpooled.wrappedBuffer(lastChunk));
                    var f = channel.writeAndFlush(http2 ? new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true) : LastHttpContent.EMPTY_LAST_CONTENT);
                    if (closeAfter) f.addListener(ChannelFutureListener.CLOSE);
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // the server is stopping: its event loops are gone, and with them every connection this could end
            }
        }
    }

    private enum JoinResult { JOINED, BEHIND, CLOSED }

    /** One encoded event and the revision it is at; bookmark ones go only to members that asked for bookmarks. */
    private record Encoded(long revision, ByteBuf bytes, boolean bookmark) {}

    /** The members of one event loop, as dispatched together. */
    private record Group(EventLoop loop, Member[] members) {}

    /** One reader of the cache for one prefix, and its members. */
    private final class Hub {
        private final ResourceType type;
        private final String prefix;
        private final Watch watch;
        private final List<Member> members = new ArrayList<>();
        /** Members by event loop, rebuilt on every change (joins are rare next to events). */
        private volatile Group[] groups = new Group[0];
        /** The revision up to which events have been handed to the members (guarded by this). */
        private long dispatched;
        private boolean closed;
        private long emptySince = System.nanoTime();

        Hub(ResourceType type, String prefix, long from) {
            this.type = type;
            this.prefix = prefix;
            this.dispatched = from;
            Watch w;
            try {
                w = storage.watchRaw(prefix, from, true);
            } catch (WharfException e) {
                if (e.kind() == ErrorKind.GONE) throw ApiException.gone("too old resource version: " + from + " (" + storage.store().compactRevision() + ")");
                throw e;
            }
            this.watch = w;
        }

        void start() {
            Thread.ofVirtual().name("watch-fanout " + prefix).start(this::run);
        }

        synchronized JoinResult add(Member m) {
            if (closed) return JoinResult.CLOSED;
            if (m.from < dispatched) return JoinResult.BEHIND;
            m.hub = this;
            members.add(m);
            regroup();
            return JoinResult.JOINED;
        }

        synchronized void remove(Member m) {
            if (members.remove(m)) {
                regroup();
                if (members.isEmpty()) emptySince = System.nanoTime();
            }
        }

        private void regroup() {
            Map<EventLoop, List<Member>> by = new IdentityHashMap<>();
            for (Member m : members) by.computeIfAbsent(m.loop, k -> new ArrayList<>()).add(m);
            Group[] g = new Group[by.size()];
            int i = 0;
            for (var e : by.entrySet()) g[i++] = new Group(e.getKey(), e.getValue().toArray(Member[]::new));
            groups = g;
        }

        private void run() {
            long lastBookmark = System.nanoTime();
            long lastRev = dispatched;
            byte[] endError = null;
            try {
                while (true) {
                    List<WatchEvent> batch = watch.pollBatch(256, Duration.ofSeconds(1));
                    List<Encoded> out = new ArrayList<>(batch.size());
                    long now = System.nanoTime();
                    for (WatchEvent e : batch) {
                        switch (e) {
                            case WatchEvent.Put p -> out.add(new Encoded(p.revision(), Unpooled.wrappedBuffer(
                                    ApiHandler.rawEvent(p.kv().isCreate() ? "ADDED" : "MODIFIED", storage.json(type, p.kv()))), false));
                            case WatchEvent.Delete d -> out.add(new Encoded(d.revision(), Unpooled.wrappedBuffer(ApiHandler.rawEvent("DELETED",
                                    storage.json(type, new KeyValue(d.prev().key(), d.prev().value(), d.prev().createRevision(), d.revision())))), false));
                            case WatchEvent.Progress pr -> {
                                if (now - lastBookmark > TimeUnit.SECONDS.toNanos(5)) {
                                    lastBookmark = now;
                                    out.add(bookmark(pr.revision()));
                                }
                            }
                        }
                        lastRev = Math.max(lastRev, e.revision());
                    }
                    if (now - lastBookmark > TimeUnit.SECONDS.toNanos(30)) {
                        lastBookmark = now;
                        out.add(bookmark(lastRev));
                    }
                    Group[] g;
                    synchronized (this) {
                        // Taken together: a member joining after this sees the new revision, one before is in g.
                        g = groups;
                        dispatched = lastRev;
                        if (members.isEmpty() && now - emptySince > IDLE.toNanos()) {
                            closed = true;
                            break;
                        }
                    }
                    if (!out.isEmpty()) dispatch(g, out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (WharfException e) {
                if (e.kind() == ErrorKind.GONE)
                    endError = ApiHandler.event("ERROR", ApiException.gone("too old resource version: " + lastRev).status());
            } catch (RuntimeException e) {
                log.warn("watch fan-out for {} failed: {}", prefix, e.toString(), e);
                endError = ApiHandler.event("ERROR", ApiException.from(e).status());
            } finally {
                watch.close();
                List<Member> left;
                synchronized (this) {
                    closed = true;
                    left = List.copyOf(members);
                }
                synchronized (hubs) { hubs.remove(prefix, this); }
                for (Member m : left) m.ended.complete(new End(endError));
            }
        }

        private Encoded bookmark(long rev) {
            return new Encoded(rev, Unpooled.wrappedBuffer(ApiHandler.event("BOOKMARK", ApiHandler.bookmark(type, rev, false))), true);
        }

        /** One task per event loop: write every event to each of its members, then flush each connection once. */
        private void dispatch(Group[] g, List<Encoded> events) {
            for (Group grp : g) {
                grp.loop().execute(() -> {
                    long now = System.nanoTime();
                    Map<Channel, Boolean> toFlush = new IdentityHashMap<>();
                    for (Member m : grp.members()) {
                        if (m.skip(now)) continue;
                        boolean wrote = false;
                        for (Encoded e : events) {
                            if (e.revision() <= m.from || (e.bookmark() && !m.bookmarks)) continue;
                            m.write(e.bytes());
                            wrote = true;
                        }
                        if (wrote) toFlush.put(m.flushTarget(), Boolean.TRUE);
                    }
                    for (Channel c : toFlush.keySet()) c.flush();
                });
            }
        }
    }

    /** For tests: the hubs currently open. */
    Map<String, Integer> membersByPrefix() {
        Map<String, Integer> m = new ConcurrentHashMap<>();
        synchronized (hubs) {
            hubs.forEach((p, h) -> { synchronized (h) { m.put(p, h.members.size()); } });
        }
        return m;
    }
}
