package io.wharf.apiserver;

import io.wharf.apiserver.auth.Authenticator;
import io.wharf.apiserver.auth.Rbac;
import io.wharf.apiserver.auth.ServiceAccountTokens;
import io.wharf.apiserver.pki.Kubeconfig;
import io.wharf.apiserver.pki.Pki;
import io.wharf.apiserver.server.ApiHandler;
import io.wharf.apiserver.server.Bootstrap;
import io.wharf.apiserver.server.EncryptionConfig;
import io.wharf.apiserver.server.HttpFrontend;
import io.wharf.apiserver.server.Metrics;
import io.wharf.apiserver.server.Storage;
import io.wharf.common.Component;
import io.wharf.store.EtcdStore;
import io.wharf.store.SqliteStore;
import io.wharf.store.Store;
import io.wharf.store.WatchCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * The Kubernetes API server of Wharf: HTTPS (HTTP/1.1 and HTTP/2) on {@link ApiServerConfig#bindAddress()}:port, the
 * cluster PKI and admin kubeconfig, authentication (client certificates, static tokens, ServiceAccount JWTs,
 * bootstrap tokens), RBAC, discovery, OpenAPI v3 and the REST verbs for every type the kinds package registers, on the
 * SQLite or etcd store.
 *
 * <p>Lifecycle ({@link Component}): {@link #start()} creates what is missing on first start (PKI, namespaces, default
 * RBAC roles), binds the port, writes the kubeconfig and returns when /readyz is ok; {@link #close()} stops serving
 * and closes the store. Usage: {@code try (var s = new ApiServer(ApiServerConfig.defaults())) { s.start(); ... }}.
 */
public final class ApiServer implements Component {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final ApiServerConfig config;
    private final Store injectedStore;
    private Store store;
    private WatchCache cache;
    private Pki pki;
    private ResourceRegistry registry;
    private HttpFrontend frontend;
    private ApiHandler handler;
    private ServiceAccountTokens saTokens;
    private volatile boolean closed;

    public ApiServer(ApiServerConfig config) {
        this(config, null);
    }

    /** With a store opened by the caller (it is closed by {@link #close()} too). */
    public ApiServer(ApiServerConfig config, Store store) {
        this.config = config;
        this.injectedStore = store;
    }

    @Override
    public String name() {
        return "apiserver";
    }

    @Override
    public synchronized void start() throws Exception {
        try {
            doStart();
        } catch (Exception | Error e) {
            close(); // release the store and the port of a half-started server
            throw e;
        }
    }

    private void doStart() throws Exception {
        long t0 = System.nanoTime();
        HeapGovernor.installOnce();
        // The PKI (reading or, on first start, making keys) and the store + kinds registration do not depend on each
        // other: run them side by side, the cold start's two largest parts.
        java.util.concurrent.FutureTask<Pki> pkiTask = new java.util.concurrent.FutureTask<>(
                () -> Pki.loadOrCreate(config.pkiDir(), config.extraSans()));
        Thread.ofVirtual().name("apiserver-pki").start(pkiTask);
        store = injectedStore != null ? injectedStore : openStore(config);
        store.start();
        registry = new ResourceRegistry();
        KindsProvider kinds = KindsProvider.load();
        if (kinds != null) kinds.registerAll(registry);
        else log.warn("io.wharf.apiserver.kinds.Kinds not found: serving only the essential types with no per-kind logic");
        EssentialTypes.registerMissing(registry);
        long tKinds = System.nanoTime();
        try {
            pki = pkiTask.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception x) throw x;
            if (e.getCause() instanceof Error x) throw x;
            throw e;
        }
        long tPki = System.nanoTime();
        cache = new WatchCache(store, "/registry/");
        cache.start();
        Storage storage = new Storage(store, EncryptionConfig.load(config.encryptionConfig()), cache);
        saTokens = new ServiceAccountTokens(pki.serviceAccountKey());
        ResourceType secrets = registry.byResource("", "v1", "secrets").orElseThrow().type();
        Authenticator authn = new Authenticator(Authenticator.readTokenFile(config.tokenFile()), saTokens,
                (ns, name) -> storage.get(secrets, ns, name));
        java.util.concurrent.atomic.AtomicLong rbacChanges = new java.util.concurrent.atomic.AtomicLong();
        for (ResourceType t : List.of(Rbac.ROLES, Rbac.CLUSTER_ROLES, Rbac.ROLE_BINDINGS, Rbac.CLUSTER_ROLE_BINDINGS))
            followChanges(Storage.prefix(t, null), rbacChanges);
        Rbac rbac = new Rbac(storage, store::currentRevision, rbacChanges::get);
        String[] v = config.kubernetesVersion().split("\\.");
        handler = new ApiHandler(registry, storage, kinds, authn, rbac, saTokens, new Metrics(),
                new ApiHandler.VersionInfo(v[0], v[1], "v" + config.kubernetesVersion()));
        frontend = new HttpFrontend(config.bindAddress(), config.port(), pki.servingKey(), pki.servingCert(), pki.caCert(), handler);
        String host = advertisedHost();
        handler.setServerAddress(host + ":" + port());
        long tServe = System.nanoTime();
        Bootstrap.run(registry, storage, kinds == null ? List.of() : kinds.bootstrapObjects(), hostIp(), port());
        long tBoot = System.nanoTime();
        Kubeconfig.write(config.kubeconfigPath(), Kubeconfig.admin(pki, serverUrl()));
        handler.setReady(true);
        // The phases let a slow start be attributed without a profiler (the start-up budget is 1.5 s).
        log.info("API server serving on {} ({} ms: store+kinds {}, then pki (in parallel) {}, handler+listener {}, bootstrap {}), kubeconfig {}",
                serverUrl(), ms(System.nanoTime() - t0), ms(tKinds - t0), ms(tPki - tKinds), ms(tServe - tPki), ms(tBoot - tServe),
                config.kubeconfigPath());
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** Bumps {@code counter} on every change under {@code prefix} (and on every re-watch, to be safe). */
    private void followChanges(String prefix, java.util.concurrent.atomic.AtomicLong counter) {
        Thread.ofVirtual().name("apiserver-follow-" + prefix).start(() -> {
            while (!closed) {
                try (io.wharf.store.Watch w = cache.watch(prefix, cache.revision(), false)) {
                    counter.incrementAndGet();
                    while (!closed) {
                        if (!w.pollBatch(256, java.time.Duration.ofSeconds(1)).isEmpty()) counter.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    counter.incrementAndGet();
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        });
    }

    private static Store openStore(ApiServerConfig c) {
        return switch (c.store()) {
            case "etcd" -> EtcdStore.connect(c.etcdEndpoints().toArray(String[]::new));
            default -> SqliteStore.open(c.dataDir());
        };
    }

    private String advertisedHost() {
        String b = config.bindAddress();
        return b.equals("0.0.0.0") || b.equals("::") ? "127.0.0.1" : b.contains(":") ? "[" + b + "]" : b;
    }

    private static String hostIp() {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isLoopback() || !ni.isUp()) continue;
                for (InetAddress a : Collections.list(ni.getInetAddresses()))
                    if (a instanceof java.net.Inet4Address) return a.getHostAddress();
            }
        } catch (IOException ignored) { /* fall back to loopback */ }
        return "127.0.0.1";
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return frontend.port();
    }

    /** https://host:port as written in the kubeconfig. */
    public String serverUrl() {
        return "https://" + advertisedHost() + ":" + port();
    }

    public Pki pki() { return pki; }
    public ResourceRegistry registry() { return registry; }
    public Store store() { return store; }
    public Path kubeconfigPath() { return config.kubeconfigPath(); }
    public ApiServerConfig config() { return config; }

    /** Issues a ServiceAccount token (for `wharf token` and in-process clients). */
    public String issueServiceAccountToken(String namespace, String name, long seconds) {
        return saTokens.issue(namespace, name, "", List.of(), seconds);
    }

    /**
     * Merges the "wharf" cluster/user/context into a user's kubeconfig (typically ~/.kube/config), keeping every other
     * entry. The CLI calls this when the user asks ({@code wharf up --merge-kubeconfig}).
     */
    public void mergeIntoKubeconfig(Path target, boolean makeCurrent) throws IOException {
        Kubeconfig.merge(target, Kubeconfig.admin(pki, serverUrl()), makeCurrent);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (handler != null) handler.setReady(false);
        if (frontend != null) frontend.close();
        if (cache != null) cache.close();
        if (store != null) {
            try {
                store.close();
            } catch (Exception e) {
                log.warn("closing the store: {}", e.toString());
            }
        }
    }
}
