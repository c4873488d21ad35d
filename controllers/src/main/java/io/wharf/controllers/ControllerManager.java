package io.wharf.controllers;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.wharf.common.Component;
import io.wharf.common.TlsStores;
import io.wharf.scheduler.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * kube-controller-manager and kube-scheduler of Wharf in one {@link Component}: shared informers, every controller
 * and the scheduler, all talking to the cluster only through the given fabric8 client (so they run against Wharf's API
 * server or any other Kubernetes API server).
 *
 * <p>With {@link Options#leaderElection()} the controllers start only while this process holds the Lease
 * {@code kube-system/wharf-controller-manager}; {@link #start()} then returns at once and the work begins when the
 * lease is acquired (losing it stops the controllers). Without it, {@link #start()} returns when the caches have
 * synced and the workers run.
 *
 * <p>Usage: {@code try (var cm = ControllerManager.fromKubeconfig(Path.of("/etc/wharf/admin.conf"), Options.defaults())) { cm.start(); ... }}
 */
public final class ControllerManager implements Component {
    private static final Logger log = LoggerFactory.getLogger(ControllerManager.class);

    /**
     * @param controllers    names of the controllers to run ("*" = all): deployment, replicaset, scheduler, statefulset,
     *                       endpoints, endpointslice, serviceaccount, garbagecollector, nodelifecycle, podgc, job, cronjob, daemonset
     * @param workers        workers per controller (kube-controller-manager: 5 for deployments and replicasets)
     * @param leaderElection hold a Lease before running
     * @param nodeMonitorGracePeriod node lifecycle: NotReady after this long without a Lease renewal (40 s)
     */
    public record Options(Set<String> controllers, int workers, boolean leaderElection, Duration nodeMonitorGracePeriod) {
        public Options {
            controllers = Set.copyOf(controllers == null ? Set.of("*") : controllers);
            if (workers <= 0) throw new IllegalArgumentException("workers must be positive");
            if (nodeMonitorGracePeriod == null) nodeMonitorGracePeriod = Duration.ofSeconds(40);
        }

        /**
         * All controllers, 5 workers, no leader election. The system property {@code wharf.controllers} (names,
         * comma-separated, or "none") narrows the set: bench/controllers.sh runs `wharf server` with
         * {@code -Dwharf.controllers=none} and the controller manager in a process of its own, to time the scheduler
         * on pods created before it starts and to measure its memory apart from the API server's.
         */
        public static Options defaults() { return new Options(fromProperty(System.getProperty("wharf.controllers")), 5, false, Duration.ofSeconds(40)); }

        static Set<String> fromProperty(String v) {
            if (v == null || v.isBlank()) return Set.of("*");
            if (v.trim().equals("none")) return Set.of();
            Set<String> out = new java.util.HashSet<>();
            for (String x : v.split(",")) if (!x.isBlank()) out.add(x.trim());
            return out;
        }

        public Options withLeaderElection(boolean on) { return new Options(controllers, workers, on, nodeMonitorGracePeriod); }

        public Options withControllers(Set<String> c) { return new Options(c, workers, leaderElection, nodeMonitorGracePeriod); }

        public Options withNodeMonitorGracePeriod(Duration d) { return new Options(controllers, workers, leaderElection, d); }

        boolean enabled(String name) { return controllers.contains("*") || controllers.contains(name); }
    }

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final Options options;
    private final Clock clock;
    private final ApiWriter writer;
    private Informers informers;
    private final List<Controller> controllers = new ArrayList<>();
    private Scheduler scheduler;
    private CompletableFuture<?> election;
    private volatile boolean closed;

    public ControllerManager(KubernetesClient client, Options options) {
        this(client, options, Clock.systemUTC(), false);
    }

    private ControllerManager(KubernetesClient client, Options options, Clock clock, boolean ownsClient) {
        this.client = client;
        this.options = options;
        this.clock = clock;
        this.ownsClient = ownsClient;
        this.writer = new ApiWriter(client);
    }

    /** A manager with its own client built from a kubeconfig file (closed with the manager). */
    public static ControllerManager fromKubeconfig(Path kubeconfig, Options options) throws java.io.IOException {
        return new ControllerManager(client(kubeconfig), options, Clock.systemUTC(), true);
    }

    /**
     * A manager for an API server in this process (`wharf server`): its URL and the admin credentials as objects, so
     * nothing is written out and parsed back; the controllers still reach the cluster only through the HTTPS API.
     */
    public static ControllerManager forServer(String serverUrl, PrivateKey adminKey, X509Certificate adminCert, X509Certificate ca,
                                              Options options) throws java.security.GeneralSecurityException {
        return new ControllerManager(client(serverUrl, adminKey, adminCert, ca), options, Clock.systemUTC(), true);
    }

    /** A fabric8 client for a kubeconfig file (the JDK HTTP transport). */
    public static KubernetesClient client(Path kubeconfig) throws java.io.IOException {
        return new KubernetesClientBuilder().withConfig(tuned(Clients.config(kubeconfig))).withKubernetesSerialization(Clients.SERIALIZATION).build();
    }

    /**
     * A fabric8 client that presents a client certificate and trusts one CA. fabric8 would build its own stores from
     * PEM: the key encrypted with 10,000 PBKDF2 rounds and decrypted with as many again (~100 ms, and a C2 compilation
     * with a 30 MB arena at start), and the JDK's ~150 public CAs parsed in beside the cluster's. So fabric8 is given
     * no credentials and told to trust any server, which only keeps it from building those stores: the HTTP client
     * builder consumer then replaces the whole SSL context with one that trusts {@code ca} alone (the JDK HTTP client
     * also checks the server's name against its certificate) and presents the certificate.
     */
    public static KubernetesClient client(String serverUrl, PrivateKey key, X509Certificate cert, X509Certificate ca)
            throws java.security.GeneralSecurityException {
        Config config = Config.empty();
        config.setMasterUrl(serverUrl);
        config.setTrustCerts(true);
        KeyManager[] km = TlsStores.keyManagers(key, cert);
        TrustManager[] tm = TlsStores.trustManagers(ca);
        return new KubernetesClientBuilder().withConfig(tuned(config)).withKubernetesSerialization(Clients.SERIALIZATION)
                .withHttpClientBuilderConsumer(b -> b.sslContext(km, tm)).build();
    }

    private static Config tuned(Config config) {
        config.setRequestTimeout(30_000);
        // Watches as plain streaming GETs: fabric8 otherwise tries a WebSocket upgrade first, which a server that
        // answers watches over HTTP only (Wharf's, and kube-apiserver behind some proxies) leaves hanging until the
        // watch times out, so informers would see no events for minutes.
        config.setOnlyHttpWatches(true);
        return config;
    }

    @Override
    public String name() { return "controller-manager"; }

    public ApiWriter writer() { return writer; }

    public KubernetesClient client() { return client; }

    /** The shared informers while the controllers run (null before {@link #start()} or without the lease): for tools and benchmarks that watch what the controllers see. */
    public synchronized Informers informers() { return informers; }

    @Override
    public void start() throws Exception {
        if (!options.leaderElection()) {
            run();
            return;
        }
        String id = hostname() + "_" + UUID.randomUUID();
        CountDownLatch started = new CountDownLatch(1);
        LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("wharf-controller-manager")
                .withLock(new LeaseLock("kube-system", "wharf-controller-manager", id))
                .withLeaseDuration(Duration.ofSeconds(15)).withRenewDeadline(Duration.ofSeconds(10)).withRetryPeriod(Duration.ofSeconds(2))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> {
                    try {
                        run();
                    } catch (Exception e) {
                        log.error("controllers failed to start", e);
                    } finally {
                        started.countDown();
                    }
                }, this::stopControllers, leader -> log.info("controller-manager leader is now {}", leader)))
                .build()).build();
        election = elector.start();
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "wharf";
        }
    }

    private synchronized void run() throws Exception {
        if (closed) return;
        informers = new Informers(client);
        int w = options.workers();
        if (options.enabled("replicaset")) controllers.add(new ReplicaSetController(informers, writer, clock, w));
        if (options.enabled("deployment")) controllers.add(new DeploymentController(informers, writer, clock, w));
        for (ControllerFactory f : ControllerFactory.extra())
            if (options.enabled(f.name())) controllers.add(f.create(informers, writer, clock, options));
        if (options.enabled("scheduler")) scheduler = new Scheduler(informers, writer, clock);
        informers.start(Duration.ofSeconds(120));
        for (Controller c : controllers) c.start();
        if (scheduler != null) scheduler.start();
        log.info("controller-manager running {} controllers{}", controllers.size(), scheduler != null ? " and the scheduler" : "");
    }

    private synchronized void stopControllers() {
        for (Controller c : controllers) c.close();
        controllers.clear();
        if (scheduler != null) scheduler.close();
        scheduler = null;
        if (informers != null) informers.close();
        informers = null;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (election != null) election.cancel(true);
        stopControllers();
        if (ownsClient) client.close();
    }
}
