package io.wharf.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The distributed {@link Store}: etcd v3 through the jetcd client, mapped the way kube-apiserver's etcd3 storage
 * maps it:
 * <ul>
 *   <li>create = txn {@code if createRevision(key) == 0 then put}; ALREADY_EXISTS when the compare fails;</li>
 *   <li>update = txn {@code if modRevision(key) == expected then put(prevKV) else get} (or
 *       {@code createRevision > 0} when unconditional): NOT_FOUND or CONFLICT from the else branch;</li>
 *   <li>delete = the same with delete(prevKV), which returns the deleted value;</li>
 *   <li>list = a range read {@code [max(prefix, startKey), prefixEnd)} at a revision with a limit; etcd's
 *       {@code more} flag; the page's revision is the requested one or the response header's;</li>
 *   <li>watch = an etcd watch with prevKV from {@code fromRevision + 1}, buffered in a bounded queue per watch;
 *       compaction ({@code mvcc: required revision has been compacted}) becomes GONE.</li>
 * </ul>
 * Revisions are etcd's: global to the etcd cluster, so they grow also with other clients' writes. etcd does not
 * report its compaction revision; {@link #compactRevision()} is the highest one this client made or observed.
 * Keys and values are stored as given (keys as UTF-8), so other etcd tools see {@code /registry/...} as usual.
 */
public final class EtcdStore implements Store {

    /**
     * Client TLS for {@code https://} endpoints, as kube-apiserver's {@code --etcd-cafile/--etcd-certfile/
     * --etcd-keyfile}: PEM files; the key in PKCS#8 ({@code BEGIN PRIVATE KEY}). Certificate and key may both be
     * null when etcd does not ask for client certificates.
     */
    public record Tls(Path caFile, Path certFile, Path keyFile) {
        public Tls {
            Objects.requireNonNull(caFile, "caFile");
            if ((certFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException("etcd client certificate and key go together");
            }
        }
    }

    /**
     * @param endpoints       etcd client URLs, e.g. {@code http://127.0.0.1:2379}
     * @param timeout         the most one call waits for etcd before UNAVAILABLE
     * @param watcherBuffer   events buffered per watch before it is ended as too slow
     * @param compactInterval how often a {@link #start() started} store compacts etcd, as kube-apiserver does:
     *                        each time to the revision it saw one interval earlier
     * @param tls             client TLS for https endpoints, or null
     */
    public record Options(List<String> endpoints, Duration timeout, int watcherBuffer, Duration compactInterval, Tls tls) {
        public Options {
            endpoints = List.copyOf(endpoints);
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("no etcd endpoints");
            }
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(compactInterval, "compactInterval");
            if (watcherBuffer < 1 || compactInterval.isNegative() || compactInterval.isZero()) {
                throw new IllegalArgumentException("bad etcd store options");
            }
        }

        /** Without TLS. */
        public Options(List<String> endpoints, Duration timeout, int watcherBuffer, Duration compactInterval) {
            this(endpoints, timeout, watcherBuffer, compactInterval, null);
        }

        /** With kube-apiserver's default compaction interval of 5 minutes, without TLS. */
        public Options(List<String> endpoints, Duration timeout, int watcherBuffer) {
            this(endpoints, timeout, watcherBuffer, Duration.ofMinutes(5), null);
        }

        public static Options of(String... endpoints) {
            return new Options(Arrays.asList(endpoints), Duration.ofSeconds(10), 10_000);
        }

        public Options withTls(Tls tls) {
            return new Options(endpoints, timeout, watcherBuffer, compactInterval, tls);
        }
    }

    private static final ByteSequence ANY_KEY = bytes("/");

    private final Options options;
    private final Client client;
    private final KV kv;
    private final AtomicLong compactRev = new AtomicLong();
    private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private Thread compactor;

    private EtcdStore(Options options) {
        this.options = options;
        ClientBuilder b = Client.builder().endpoints(options.endpoints().toArray(String[]::new));
        Tls tls = options.tls();
        if (tls != null) {
            try {
                b.sslContext(ssl -> {
                    ssl.trustManager(tls.caFile().toFile());
                    if (tls.certFile() != null) {
                        ssl.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
                    }
                });
            } catch (SSLException | IllegalArgumentException e) {
                throw new WharfException(ErrorKind.INVALID_ARGUMENT, "etcd client TLS: " + e.getMessage(), e);
            }
        }
        this.client = b.build();
        this.kv = client.getKVClient();
    }

    /** Connects to etcd and checks that it answers; the store is usable when this returns. */
    public static EtcdStore connect(Options options) {
        EtcdStore s = new EtcdStore(Objects.requireNonNull(options, "options"));
        try {
            s.currentRevision();
        } catch (WharfException e) {
            s.close();
            throw new WharfException(ErrorKind.UNAVAILABLE, "cannot reach etcd at " + options.endpoints() + ": " + e.getMessage(), e);
        }
        return s;
    }

    public static EtcdStore connect(String... endpoints) {
        return connect(Options.of(endpoints));
    }

    @Override
    public String name() {
        return "store-etcd";
    }

    /** Starts periodic compaction (kube-apiserver's compactor: every interval, to the revision of the last tick). */
    @Override
    public synchronized void start() {
        if (compactor != null || closed) {
            return;
        }
        compactor = Thread.ofVirtual().name("wharf-etcd-compactor").start(() -> {
            long previous = 0;
            while (!closed) {
                try {
                    Thread.sleep(options.compactInterval());
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    if (previous > 0) {
                        compact(previous);
                    }
                    previous = currentRevision();
                } catch (WharfException e) {
                    if (closed) {
                        return;
                    }
                    org.slf4j.LoggerFactory.getLogger(EtcdStore.class).warn("etcd compaction failed: {}", e.getMessage());
                }
            }
        });
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** The smallest key after every key that starts with {@code prefix} (etcd's clientv3.GetPrefixRangeEnd). */
    static ByteSequence prefixEnd(String prefix) {
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = p.length - 1; i >= 0; i--) {
            if (p[i] != (byte) 0xff) {
                byte[] end = Arrays.copyOf(p, i + 1);
                end[i]++;
                return ByteSequence.from(end);
            }
        }
        return ByteSequence.from(new byte[] {0}); // "\0" as range end: every key from the start key on
    }

    private static KeyValue toKv(io.etcd.jetcd.KeyValue k) {
        return new KeyValue(k.getKey().toString(StandardCharsets.UTF_8), k.getValue().getBytes(), k.getCreateRevision(), k.getModRevision());
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        checkOpen();
        try {
            return f.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new WharfException(ErrorKind.UNAVAILABLE, "interrupted while waiting for etcd (" + what + ")", e);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new WharfException(ErrorKind.UNAVAILABLE, "etcd did not answer " + what + " within " + options.timeout(), e);
        } catch (ExecutionException e) {
            throw map(e.getCause(), what);
        }
    }

    private WharfException map(Throwable t, String what) {
        String msg = String.valueOf(t.getMessage());
        if (t instanceof CompactedException ce) {
            compactRev.accumulateAndGet(ce.getCompactedRevision(), Math::max);
            return new WharfException(ErrorKind.GONE, what + ": " + msg, t);
        }
        if (msg.contains("required revision has been compacted")) {
            return new WharfException(ErrorKind.GONE, what + ": " + msg, t);
        }
        if (msg.contains("future revision")) {
            return new WharfException(ErrorKind.INVALID_ARGUMENT, what + ": " + msg, t);
        }
        if (t instanceof EtcdException ee) {
            return switch (ee.getErrorCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED -> new WharfException(ErrorKind.UNAVAILABLE, "etcd " + what + ": " + msg, t);
                case INVALID_ARGUMENT, OUT_OF_RANGE -> new WharfException(ErrorKind.INVALID_ARGUMENT, "etcd " + what + ": " + msg, t);
                case RESOURCE_EXHAUSTED -> new WharfException(ErrorKind.TOO_LARGE, "etcd " + what + ": " + msg, t);
                case PERMISSION_DENIED, UNAUTHENTICATED -> new WharfException(ErrorKind.PERMISSION_DENIED, "etcd " + what + ": " + msg, t);
                default -> new WharfException(ErrorKind.INTERNAL, "etcd " + what + ": " + msg, t);
            };
        }
        return new WharfException(ErrorKind.UNAVAILABLE, "etcd " + what + ": " + msg, t);
    }

    private void checkOpen() {
        if (closed) {
            throw new WharfException(ErrorKind.UNAVAILABLE, "store is closed");
        }
    }

    @Override
    public Optional<KeyValue> get(String key) {
        Keys.check(key);
        GetResponse r = await(kv.get(bytes(key)), "get " + key);
        return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(toKv(r.getKvs().getFirst()));
    }

    @Override
    public ListResult list(String prefix, String startKey, int limit, long revision) {
        Objects.requireNonNull(prefix, "prefix");
        if (revision < 0) {
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "negative revision " + revision);
        }
        String from = startKey == null || startKey.isEmpty() || Keys.compare(startKey, prefix) < 0 ? prefix : startKey;
        ByteSequence fromKey = from.isEmpty() ? ByteSequence.from(new byte[] {0}) : bytes(from);
        GetOption.Builder o = GetOption.builder().withRange(prefixEnd(prefix));
        if (limit > 0) {
            o.withLimit(limit);
        }
        if (revision > 0) {
            o.withRevision(revision);
        }
        GetResponse r = await(kv.get(fromKey, o.build()), "list " + prefix);
        List<KeyValue> items = new ArrayList<>(r.getKvs().size());
        for (io.etcd.jetcd.KeyValue k : r.getKvs()) {
            items.add(toKv(k));
        }
        // etcd's header carries the current revision even for a read at an older one.
        return new ListResult(items, revision > 0 ? revision : r.getHeader().getRevision(), r.isMore());
    }

    @Override
    public long count(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        ByteSequence fromKey = prefix.isEmpty() ? ByteSequence.from(new byte[] {0}) : bytes(prefix);
        GetResponse r = await(kv.get(fromKey, GetOption.builder().withRange(prefixEnd(prefix)).withCountOnly(true).build()),
                "count " + prefix);
        return r.getCount();
    }

    @Override
    public KeyValue create(String key, byte[] value) {
        Keys.check(key);
        Objects.requireNonNull(value, "value");
        ByteSequence k = bytes(key);
        TxnResponse r = await(kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
                .commit(), "create " + key);
        if (!r.isSucceeded()) {
            throw WharfException.alreadyExists("key %s already exists", key);
        }
        long rev = r.getHeader().getRevision();
        return new KeyValue(key, value, rev, rev);
    }

    /** The compare that guards an update or delete. */
    private static Cmp guard(ByteSequence k, long expected) {
        return expected != 0
                ? new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expected))
                : new Cmp(k, Cmp.Op.GREATER, CmpTarget.createRevision(0));
    }

    /** Turns the else branch (a get of the key) of a failed guarded txn into NOT_FOUND or CONFLICT. */
    private static WharfException failure(String key, TxnResponse r, long expected) {
        List<io.etcd.jetcd.KeyValue> kvs = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().getFirst().getKvs();
        if (kvs.isEmpty()) {
            return WharfException.notFound("key %s not found", key);
        }
        return WharfException.conflict("key %s has modRevision %d, not the expected %d", key, kvs.getFirst().getModRevision(), expected);
    }

    @Override
    public KeyValue update(String key, byte[] value, long expectedModRevision) {
        Keys.check(key);
        Objects.requireNonNull(value, "value");
        ByteSequence k = bytes(key);
        TxnResponse r = await(kv.txn()
                .If(guard(k, expectedModRevision))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.builder().withPrevKV().build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "update " + key);
        if (!r.isSucceeded()) {
            throw failure(key, r, expectedModRevision);
        }
        PutResponse put = r.getPutResponses().getFirst();
        long rev = r.getHeader().getRevision();
        long createRev = put.hasPrevKv() ? put.getPrevKv().getCreateRevision() : rev;
        return new KeyValue(key, value, createRev, rev);
    }

    @Override
    public Deleted delete(String key, long expectedModRevision) {
        Keys.check(key);
        ByteSequence k = bytes(key);
        TxnResponse r = await(kv.txn()
                .If(guard(k, expectedModRevision))
                .Then(Op.delete(k, DeleteOption.builder().withPrevKV(true).build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit(), "delete " + key);
        if (!r.isSucceeded()) {
            throw failure(key, r, expectedModRevision);
        }
        DeleteResponse d = r.getDeleteResponses().getFirst();
        if (d.getPrevKvs().isEmpty()) {
            throw new WharfException(ErrorKind.INTERNAL, "etcd deleted " + key + " but returned no previous value");
        }
        return new Deleted(toKv(d.getPrevKvs().getFirst()), r.getHeader().getRevision());
    }

    @Override
    public Watch watch(String prefix, long fromRevision) {
        Objects.requireNonNull(prefix, "prefix");
        if (fromRevision < 0) {
            throw new WharfException(ErrorKind.INVALID_ARGUMENT, "negative revision " + fromRevision);
        }
        long from = fromRevision;
        if (from == 0) {
            from = currentRevision();
        } else {
            // etcd would only report compaction later on the stream; a read at the revision tells us now.
            try {
                await(kv.get(ANY_KEY, GetOption.builder().withRevision(from).withCountOnly(true).build()), "watch " + prefix);
            } catch (WharfException e) {
                if (e.kind() == ErrorKind.GONE) {
                    throw new WharfException(ErrorKind.GONE, "too old resource version: " + fromRevision + " (" + e.getMessage() + ")", e);
                }
                if (e.kind() != ErrorKind.INVALID_ARGUMENT) { // a future revision is fine: the watch waits for it
                    throw e;
                }
            }
        }
        EtcdWatch w = new EtcdWatch(prefix);
        watches.add(w);
        ByteSequence key = prefix.isEmpty() ? ByteSequence.from(new byte[] {0}) : bytes(prefix);
        WatchOption opt = WatchOption.builder()
                .withRange(prefixEnd(prefix))
                .withRevision(from + 1)
                .withPrevKV(true)
                .build();
        w.watcher = client.getWatchClient().watch(key, opt, w);
        if (w.end != null) {
            w.watcher.close(); // it ended before we could hold its watcher
        }
        if (closed) {
            w.end(new WharfException(ErrorKind.UNAVAILABLE, "store is closed"));
        }
        return w;
    }

    /** One etcd watch, buffered in a bounded queue. */
    private final class EtcdWatch implements Watch, io.etcd.jetcd.Watch.Listener {
        private final String prefix;
        private final LinkedBlockingQueue<WatchEvent> queue = new LinkedBlockingQueue<>(options.watcherBuffer());
        private volatile WharfException end;
        private volatile boolean userClosed;
        volatile io.etcd.jetcd.Watch.Watcher watcher;

        EtcdWatch(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public String prefix() {
            return prefix;
        }

        @Override
        public void onNext(WatchResponse response) {
            if (end != null) {
                return;
            }
            if (response.isProgressNotify() && response.getEvents().isEmpty()) {
                offer(new WatchEvent.Progress(response.getHeader().getRevision()));
                return;
            }
            for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
                KeyValue prev = e.getPrevKV() != null && e.getPrevKV().getCreateRevision() > 0 ? toKv(e.getPrevKV()) : null;
                WatchEvent ev = switch (e.getEventType()) {
                    case PUT -> new WatchEvent.Put(toKv(e.getKeyValue()), prev);
                    case DELETE -> {
                        long rev = e.getKeyValue().getModRevision();
                        String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                        // prevKV is missing only if etcd could not read it; keep the event, with an empty value.
                        yield new WatchEvent.Delete(prev != null ? prev : new KeyValue(key, new byte[0], rev - 1, rev - 1), rev);
                    }
                    case UNRECOGNIZED -> null;
                };
                if (ev != null && !offer(ev)) {
                    return;
                }
            }
        }

        private boolean offer(WatchEvent e) {
            if (queue.offer(e)) {
                return true;
            }
            end(new WharfException(ErrorKind.UNAVAILABLE, "watch of " + prefix + " ended: the consumer fell more than "
                    + options.watcherBuffer() + " events behind"));
            return false;
        }

        @Override
        public void onError(Throwable t) {
            end(map(t, "watch " + prefix));
        }

        @Override
        public void onCompleted() {
            end(new WharfException(ErrorKind.UNAVAILABLE, "etcd ended the watch of " + prefix));
        }

        void end(WharfException why) {
            if (end == null) {
                end = why;
            }
            io.etcd.jetcd.Watch.Watcher w = watcher;
            if (w != null) {
                w.close();
            }
            watches.remove(this);
            queue.offer(new WatchEvent.Progress(-1)); // wakes a waiting poll; never delivered
        }

        @Override
        public WatchEvent poll(Duration timeout) throws InterruptedException {
            List<WatchEvent> one = pollBatch(1, timeout);
            return one.isEmpty() ? null : one.getFirst();
        }

        @Override
        public List<WatchEvent> pollBatch(int max, Duration timeout) throws InterruptedException {
            if (max < 1) {
                throw new IllegalArgumentException("max " + max);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            List<WatchEvent> out = new ArrayList<>();
            while (true) {
                if (userClosed) {
                    throw new WharfException(ErrorKind.UNAVAILABLE, "watch closed");
                }
                WatchEvent first = queue.poll();
                if (first == null) {
                    WharfException e = end;
                    if (e != null) {
                        throw e;
                    }
                    long wait = deadline - System.nanoTime();
                    if (wait <= 0) {
                        return out;
                    }
                    first = queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (first == null) {
                        continue;
                    }
                }
                add(out, first);
                while (out.size() < max) {
                    WatchEvent e = queue.poll();
                    if (e == null) {
                        break;
                    }
                    add(out, e);
                }
                if (!out.isEmpty()) {
                    return out;
                }
            }
        }

        private static void add(List<WatchEvent> out, WatchEvent e) {
            if (!(e instanceof WatchEvent.Progress p && p.revision() < 0)) {
                out.add(e);
            }
        }

        @Override
        public void requestProgress() {
            io.etcd.jetcd.Watch.Watcher w = watcher;
            if (w != null && end == null) {
                w.requestProgress();
            }
        }

        @Override
        public void close() {
            userClosed = true;
            end(new WharfException(ErrorKind.UNAVAILABLE, "watch closed"));
        }
    }

    @Override
    public void compact(long revision) {
        if (revision <= compactRev.get()) {
            return;
        }
        try {
            await(kv.compact(revision), "compact to " + revision);
        } catch (WharfException e) {
            if (e.kind() != ErrorKind.GONE) { // already compacted at or past it: nothing to do
                throw e;
            }
        }
        compactRev.accumulateAndGet(revision, Math::max);
    }

    @Override
    public long currentRevision() {
        return await(kv.get(ANY_KEY, GetOption.builder().withCountOnly(true).build()), "read revision").getHeader().getRevision();
    }

    @Override
    public long compactRevision() {
        return compactRev.get();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Thread c;
        synchronized (this) {
            c = compactor;
        }
        if (c != null) {
            c.interrupt();
        }
        for (EtcdWatch w : List.copyOf(watches)) {
            w.end(new WharfException(ErrorKind.UNAVAILABLE, "store is closed"));
        }
        client.close();
    }
}
