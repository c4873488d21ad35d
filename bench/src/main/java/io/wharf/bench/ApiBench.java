package io.wharf.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.wharf.common.Json;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for a Kubernetes API server (issue 5, "Speed"), the same shape as the anchors' Go apibench: closed
 * loop, each of {@code --c} workers owns one TLS connection, admin client certificate from the kubeconfig, HTTP/2 over
 * ALPN unless {@code --http1}, {@code Accept: application/json}. The get/list/create loops run on one Netty event loop
 * ({@link LoopLoad}: the next request is sent from the handler of the previous answer; {@code --legacy-client}: the
 * earlier virtual thread per worker over {@link NettyHttp}, which cost the client about as much CPU per request as the
 * server on this 2-core machine). The watch mode's watchers are HTTP/2 streams handled at the frame level
 * ({@link NettyHttp.StreamConn}). Works against Wharf and against kube-apiserver alike (it only reads the kubeconfig).
 * Every mode prints one JSON line.
 *
 * <pre>
 * ApiBench --kubeconfig K seed   --ns bench --kind configmaps --count 100 [--c 32]   create ns + objects (not timed as a figure)
 * ApiBench --kubeconfig K get    --path /api/v1/namespaces/bench/configmaps/cm-0 --c 32 --seconds 10 [--http1] [--warmup-seconds 3]
 * ApiBench --kubeconfig K list   --path /api/v1/namespaces/bench/configmaps     --c 8  --seconds 10
 * ApiBench --kubeconfig K create --ns bench --c 32 --n 4000
 * ApiBench --kubeconfig K watch  --ns benchwatch --watchers 1000 --rate 100 --seconds 5 [--warmup-seconds 2]
 * </pre>
 */
public final class ApiBench {
    private static final String CM = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\"},\"data\":{\"key\":\"value-0123456789abcdef\"%s}}";
    private static final String POD = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"labels\":{\"app\":\"bench\"}},"
            + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.35\",\"command\":[\"sleep\",\"3600\"]}]}}";

    private final String server;
    private final SSLContext tls;
    private final boolean http1;
    private final PrivateKey key;
    private final X509Certificate[] chain;
    private final X509Certificate[] trust;
    private boolean legacyClient;
    /** Connections for the c workers (h2 only; default one per worker): --conns 1 multiplexes them all as client-go does. */
    private int conns;

    private ApiBench(String server, SSLContext tls, boolean http1, PrivateKey key, X509Certificate[] chain, X509Certificate[] trust) {
        this.server = server;
        this.tls = tls;
        this.http1 = http1;
        this.key = key;
        this.chain = chain;
        this.trust = trust;
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1) throw new IllegalArgumentException("usage: ApiBench MODE --kubeconfig FILE [options]");
        String mode = argv[0];
        Args a = new Args(Arrays.copyOfRange(argv, 1, argv.length));
        Path kubeconfig = Path.of(a.str("kubeconfig", null));
        boolean http1 = a.flag("http1");
        if (a.flag("no-verify-host")) System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        ApiBench b = fromKubeconfig(kubeconfig, http1);
        b.legacyClient = a.flag("legacy-client");
        int conns = a.integer("conns", a.integer("c", 8));
        b.conns = conns;
        String proto = http1 ? "http/1.1" : "h2";
        int c = a.integer("c", 8);
        Duration d = a.seconds("seconds", 10);
        long n = a.integer("n", 0);
        String label = a.str("label", mode) + " " + proto + " c=" + c + (conns != c ? " conns=" + conns : "");
        Load.Result r = switch (mode) {
            case "seed" -> {
                String ns = a.str("ns", null), kind = a.str("kind", "configmaps"), prefix = a.str("prefix", kind.equals("pods") ? "p" : "cm");
                int count = a.integer("count", 100);
                a.done();
                yield b.seed(ns, kind, prefix, count, c, label);
            }
            case "get", "list" -> {
                String path = a.str("path", null);
                Duration warm = a.seconds("warmup-seconds", 3);
                a.done();
                yield b.reads(path, c, n, d, warm, label);
            }
            case "create" -> {
                String ns = a.str("ns", null), prefix = a.str("prefix", "cr");
                Duration warm = a.seconds("warmup-seconds", 2);
                a.done();
                yield b.creates(ns, prefix, c, n, d, warm, label);
            }
            case "watch" -> {
                String ns = a.str("ns", null);
                int watchers = a.integer("watchers", 1000), rate = a.integer("rate", 100);
                Duration warm = a.seconds("warmup-seconds", 2);
                a.done();
                b.watch(ns, watchers, rate, d, warm);
                yield null;
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
        if (r != null) System.out.println(r.json());
        System.exit(0); // HttpClient selector threads are daemon, but virtual-thread reads of open watches are not worth waiting for
    }

    // ---- kubeconfig -----------------------------------------------------------------------------------------------

    /** The current context's server, CA and client certificate (inline -data or file paths), as an SSLContext. */
    static ApiBench fromKubeconfig(Path file, boolean http1) throws Exception {
        JsonNode kc = Json.YAML.readTree(Files.readAllBytes(file));
        String current = kc.path("current-context").asText();
        JsonNode ctx = byName(kc.path("contexts"), current).path("context");
        JsonNode cluster = byName(kc.path("clusters"), ctx.path("cluster").asText()).path("cluster");
        JsonNode user = byName(kc.path("users"), ctx.path("user").asText()).path("user");
        Path dir = file.toAbsolutePath().getParent();
        byte[] ca = material(cluster, "certificate-authority", dir);
        byte[] cert = material(user, "client-certificate", dir);
        byte[] key = material(user, "client-key", dir);

        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (Certificate c : cf.generateCertificates(new ByteArrayInputStream(ca))) trust.setCertificateEntry("ca" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "bench".toCharArray();
        PrivateKey pk = privateKey(new String(key, StandardCharsets.US_ASCII));
        X509Certificate[] chain = cf.generateCertificates(new ByteArrayInputStream(cert)).toArray(X509Certificate[]::new);
        X509Certificate[] cas = cf.generateCertificates(new ByteArrayInputStream(ca)).toArray(X509Certificate[]::new);
        ks.setKeyEntry("client", pk, pw, chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return new ApiBench(cluster.path("server").asText(), ssl, http1, pk, chain, cas);
    }

    private static JsonNode byName(JsonNode list, String name) {
        for (JsonNode e : list) if (e.path("name").asText().equals(name)) return e;
        throw new IllegalArgumentException("kubeconfig has no entry named " + name);
    }

    private static byte[] material(JsonNode n, String field, Path dir) throws Exception {
        if (n.hasNonNull(field + "-data")) return Base64.getDecoder().decode(n.get(field + "-data").asText());
        if (n.hasNonNull(field)) return Files.readAllBytes(dir.resolve(n.get(field).asText()));
        throw new IllegalArgumentException("kubeconfig lacks " + field + " (only client-certificate auth is supported)");
    }

    /** PKCS#8, PKCS#1 RSA or SEC1 EC PEM: kube-apiserver's openssl keys and Wharf's own both occur. */
    private static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) return conv.getKeyPair(kp).getPrivate();
            if (o instanceof PrivateKeyInfo pki) return conv.getPrivateKey(pki);
            throw new IllegalArgumentException("unsupported key PEM: " + (o == null ? "empty" : o.getClass().getSimpleName()));
        }
    }

    // ---- requests -------------------------------------------------------------------------------------------------

    /** java.net.http for the few set-up requests (namespaces, the watch's initial list): simple and cheap enough there. */
    private HttpClient client() {
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10))
                .version(http1 ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2).build();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(server + path)).header("Accept", "application/json")
                .timeout(Duration.ofSeconds(60)).GET().build();
    }

    private HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(server + path)).header("Accept", "application/json")
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static int status(HttpClient c, HttpRequest r) throws Exception {
        return c.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Creates the namespace (409 is fine) and {@code count} objects {@code prefix-i}; 409s count as success. */
    private Load.Result seed(String ns, String kind, String prefix, int count, int c, String label) throws Exception {
        HttpClient one = client();
        int s = status(one, post("/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}"));
        if (s >= 300 && s != 409) throw new IllegalStateException("creating namespace " + ns + ": HTTP " + s);
        if (count <= 0) return new Load.Result(label, 0, 0, 0, 0, 0, 0, 0, 0, java.util.Map.of(), null);
        String path = "/api/v1/namespaces/" + ns + "/" + kind;
        AtomicLong next = new AtomicLong();
        try (NettyHttp http = netty()) {
            NettyHttp.Conn[] cs = conns(http, c);
            return Load.run(label, c, count, Duration.ofHours(1), (w, i) -> {
                String name = prefix + "-" + next.getAndIncrement();
                String body = kind.equals("pods") ? String.format(POD, name) : String.format(CM, name, "");
                int st = cs[w].send(HttpMethod.POST, path, body).status();
                return st == 409 ? 200 : st;
            });
        }
    }

    /** The warm-up is by time: a cold client JVM (interpreted Netty and TLS) would otherwise be what is measured. */
    private Load.Result reads(String path, int c, long n, Duration d, Duration warmup, String label) throws Exception {
        if (!legacyClient) {
            LoopLoad.Request get = new LoopLoad.Request(HttpMethod.GET, path, null);
            try (LoopLoad l = loopLoad()) {
                return l.run(label, c, conns, n, d, warmup, (w, i) -> get);
            }
        }
        try (NettyHttp http = netty()) {
            NettyHttp.Conn[] cs = conns(http, c);
            Load.Op op = (w, i) -> cs[w].send(HttpMethod.GET, path, null).status();
            Load.run("warmup", c, 0, warmup, op);
            return Load.run(label, c, n, d, op);
        }
    }

    private Load.Result creates(String ns, String prefix, int c, long n, Duration d, Duration warmup, String label) throws Exception {
        String path = "/api/v1/namespaces/" + ns + "/configmaps";
        String run = Long.toString(System.currentTimeMillis() % 100000, 36); // repeated runs do not collide
        if (!legacyClient) {
            long[] warm = {0};
            try (LoopLoad l = loopLoad()) {
                // the warm-up's names: "warm" and a per-worker counter, then the measured ones as before
                return l.run(label, c, conns, n, d, warmup, (w, i) -> new LoopLoad.Request(HttpMethod.POST, path,
                        String.format(CM, prefix + "-" + run + "-" + w + "-" + (warm[0]++), "")));
            }
        }
        try (NettyHttp http = netty()) {
            NettyHttp.Conn[] cs = conns(http, c);
            Load.run("warmup", c, 0, warmup,
                    (w, i) -> cs[w].send(HttpMethod.POST, path, String.format(CM, prefix + "-" + run + "-warm-" + w + "-" + i, "")).status());
            return Load.run(label, c, n, d,
                    (w, i) -> cs[w].send(HttpMethod.POST, path, String.format(CM, prefix + "-" + run + "-" + w + "-" + i, "")).status());
        }
    }

    /** The closed-loop client driven from one event loop (see LoopLoad); --legacy-client: a virtual thread per worker. */
    private LoopLoad loopLoad() throws Exception {
        return new LoopLoad(URI.create(server), key, chain, trust, !http1, "application/json");
    }

    /** The throughput client: Netty, one event-loop thread (the server under test needs the other core more). */
    private NettyHttp netty() throws Exception {
        return new NettyHttp(URI.create(server), key, chain, trust, !http1, 1, "application/json");
    }

    private static NettyHttp.Conn[] conns(NettyHttp http, int c) throws Exception {
        NettyHttp.Conn[] cs = new NettyHttp.Conn[c];
        for (int i = 0; i < c; i++) cs[i] = http.connect();
        return cs;
    }

    // ---- watch fan-out --------------------------------------------------------------------------------------------

    /** One watcher: finds each event's stamp in the stream (a stamp may be split across chunks) and keeps the delays. */
    private static final class Watcher implements NettyHttp.StreamSink {
        private final String marker;
        private final CountDownLatch connected;
        private final AtomicInteger failed;
        private String carry = "";
        private long[] lat = new long[256];
        private int got;
        private volatile long events; // every event line, stamped or not (the warm-up's too)
        private volatile int status;

        Watcher(String marker, CountDownLatch connected, AtomicInteger failed) {
            this.marker = marker;
            this.connected = connected;
            this.failed = failed;
        }

        @Override
        public void status(int code) {
            status = code;
            if (code != 200) failed.incrementAndGet();
            connected.countDown();
        }

        @Override
        public synchronized void data(String chunk, long now) {
            long lines = chunk.chars().filter(c -> c == '\n').count(); // one JSON line per watch event
            if (lines > 0) events += lines;
            String t = carry.isEmpty() ? chunk : carry + chunk;
            int from = 0, keep = Math.max(0, t.length() - marker.length());
            for (int at; (at = t.indexOf(marker, from)) >= 0; ) {
                int digits = at + marker.length(), end = t.indexOf('"', digits);
                if (end < 0) { keep = at; break; }
                long sent = Long.parseLong(t, digits, end, 10);
                if (got == lat.length) lat = Arrays.copyOf(lat, got * 2);
                lat[got++] = now - sent;
                from = end;
                keep = Math.max(end, t.length() - marker.length());
            }
            carry = t.substring(Math.min(keep, t.length()));
        }

        long events() { return events; }

        @Override
        public void failed(Throwable cause) {
            failed.incrementAndGet();
            if (status == 0) connected.countDown();
        }

        synchronized int got() {
            return got;
        }

        synchronized long[] latencies() {
            return Arrays.copyOf(lat, got);
        }
    }

    /**
     * {@code watchers} watches of the configmaps of {@code ns} from the list's resourceVersion (HTTP/2, 100 streams per
     * connection; kube-apiserver allows 250), then creates at {@code rate}/s (open loop, each create stamped with the
     * writer's nanoTime) for {@code d}; each watcher notes the delay from that stamp to the arrival of the chunk holding
     * the event. Prints one JSON line: events expected/received, watchers that got every event, p50/p99/max ms.
     */
    private void watch(String ns, int watchers, int rate, Duration d, Duration warmup) throws Exception {
        try (NettyHttp http = netty(); NettyHttp writerHttp = netty()) {
            NettyHttp.Conn admin = http.connect();
            int s = admin.send(HttpMethod.POST, "/api/v1/namespaces", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}").status();
            if (s >= 300 && s != 409) throw new IllegalStateException("creating namespace " + ns + ": HTTP " + s);
            HttpResponse<String> list = client().send(get("/api/v1/namespaces/" + ns + "/configmaps?limit=1"), HttpResponse.BodyHandlers.ofString());
            String rv = Json.MAPPER.readTree(list.body()).path("metadata").path("resourceVersion").asText();
            String run = Long.toString(System.currentTimeMillis() % 100000, 36);
            String marker = "\"ts\":\"" + run + "-";
            CountDownLatch connected = new CountDownLatch(watchers);
            AtomicInteger failed = new AtomicInteger();
            int perConn = 100;
            NettyHttp.StreamConn[] conns = new NettyHttp.StreamConn[(watchers + perConn - 1) / perConn];
            for (int i = 0; i < conns.length; i++) conns[i] = http.connectStreams();
            Watcher[] ws = new Watcher[watchers];
            String path = "/api/v1/namespaces/" + ns + "/configmaps?watch=1&allowWatchBookmarks=false&resourceVersion=" + rv;
            long tc = System.nanoTime();
            for (int w = 0; w < watchers; w++) {
                ws[w] = new Watcher(marker, connected, failed);
                conns[w / perConn].stream(path, ws[w]);
            }
            // the response headers go out once a watch is registered with the server, so every status seen = every
            // watch in place
            boolean all = connected.await(60, TimeUnit.SECONDS);
            double connectS = (System.nanoTime() - tc) / 1e9;

            NettyHttp.Conn[] writers = conns(writerHttp, 32);
            AtomicInteger writeErrors = new AtomicInteger();
            AtomicInteger inFlight = new AtomicInteger();
            long periodNs = 1_000_000_000L / rate;
            long writes = (long) rate * d.toMillis() / 1000;
            String cmPath = "/api/v1/namespaces/" + ns + "/configmaps";
            // Warm-up, as the other modes have: the same writes at the same rate, without the stamp the watchers
            // time (they receive these events but do not count them); a cold server JIT is otherwise what is measured.
            long warmWrites = (long) rate * warmup.toMillis() / 1000;
            AtomicInteger warmFailed = new AtomicInteger();
            long w0 = System.nanoTime();
            for (long i = 0; i < warmWrites; i++) {
                long wait = w0 + i * periodNs - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                final long k = i;
                inFlight.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try {
                        NettyHttp.Conn c = writers[(int) (k % writers.length)];
                        synchronized (c) { c.send(HttpMethod.POST, cmPath, String.format(CM, "wu-" + run + "-" + k, "")); }
                    } catch (Exception e) {
                        warmFailed.incrementAndGet(); // a failed warm-up write is not a figure
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
            }
            // the measured writes start once every watcher has had every warm-up event (or after 10 s)
            long warmDeadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < warmDeadline
                    && (inFlight.get() > 0 || !Arrays.stream(ws).allMatch(w -> w.events() >= warmWrites - warmFailed.get()))) {
                Thread.sleep(5);
            }
            long cpu0 = ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
            long start = System.nanoTime();
            for (long i = 0; i < writes; i++) {
                long wait = start + i * periodNs - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                final long k = i;
                inFlight.incrementAndGet();
                Thread.ofVirtual().start(() -> {
                    try {
                        String body = String.format(CM, "w-" + run + "-" + k, "," + marker + System.nanoTime() + "\"");
                        // one writer connection carries one request at a time: pick by k, serialize per connection
                        NettyHttp.Conn c = writers[(int) (k % writers.length)];
                        int st;
                        synchronized (c) { st = c.send(HttpMethod.POST, cmPath, body).status(); }
                        if (st >= 300) writeErrors.incrementAndGet();
                    } catch (Exception e) {
                        writeErrors.incrementAndGet();
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
            }
            double writeS = (System.nanoTime() - start) / 1e9;
            long until = System.nanoTime() + 10_000_000_000L; // stragglers: until every watcher has every event, or 10 s
            while (System.nanoTime() < until) {
                long have = 0;
                for (Watcher w : ws) have += w.got();
                if (have >= writes * watchers && inFlight.get() == 0) break;
                Thread.sleep(50);
            }
            // this process's CPU over the writes and deliveries: tells whether the client kept up
            double clientCpuS = (ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(-1L) - cpu0) / 1000.0;
            double elapsedS = (System.nanoTime() - start) / 1e9;
            long total = 0;
            int complete = 0;
            long[][] per = new long[watchers][];
            for (int w = 0; w < watchers; w++) {
                per[w] = ws[w].latencies();
                total += per[w].length;
                if (per[w].length >= writes - writeErrors.get()) complete++;
            }
            long[] merged = new long[(int) total];
            int at = 0;
            for (long[] p : per) { System.arraycopy(p, 0, merged, at, p.length); at += p.length; }
            Arrays.sort(merged);
            System.out.println(String.format(Locale.ROOT,
                    "{\"label\":\"watch h2 watchers=%d rate=%d/s\",\"watchers\":%d,\"connected_all\":%b,\"connect_s\":%.2f,\"watch_failures\":%d,"
                            + "\"writes\":%d,\"write_errors\":%d,\"write_s\":%.2f,\"events_expected\":%d,\"events_received\":%d,"
                            + "\"watchers_complete\":%d,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"client_cpu_s\":%.2f,\"elapsed_s\":%.2f,\"warmup_s\":%.1f}",
                    watchers, rate, watchers, all, connectS, failed.get(), writes, writeErrors.get(), writeS,
                    writes * watchers, total, complete, Load.pct(merged, 0.5), Load.pct(merged, 0.99), Load.pct(merged, 1.0),
                    clientCpuS, elapsedS, warmup.toMillis() / 1000.0));
        }
    }
}
