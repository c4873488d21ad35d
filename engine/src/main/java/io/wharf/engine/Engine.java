package io.wharf.engine;

import io.wharf.build.Builder;
import io.wharf.common.Component;
import io.wharf.engine.distribution.DaemonConfig;
import io.wharf.engine.distribution.Distribution;
import io.wharf.engine.distribution.DistributionApi;
import io.wharf.engine.wire.HttpServer;
import io.wharf.engine.wire.Router;
import io.wharf.network.NetworkConfig;
import io.wharf.network.NetworkManager;
import io.wharf.runtime.ConmonRuntime;
import io.wharf.runtime.ContainerRuntime;
import io.wharf.runtime.HostSetup;
import io.wharf.runtime.RuntimeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The Docker Engine: the API server on a unix socket (and optionally TCP) over container management, images,
 * volumes and networks. Start with {@code new Engine(config).start()}; {@link #close()} stops serving and leaves
 * containers running under conmon (they are re-adopted by the next start).
 */
public final class Engine implements Component {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    /** docker0's default; asked for explicitly or not, it is taken only when free (the network module's rule). */
    static final String DOCKER_DEFAULT_SUBNET = "172.17.0.0/16";

    private final EngineConfig config;
    private final Clock clock;
    private HttpServer server;
    private NetworkManager network;
    private ContainerRuntime runtime;
    private ImageAdapter images;
    private Containers containers;
    private int tcpPort = -1;

    public Engine(EngineConfig config) {
        this(config, Clock.systemUTC());
    }

    public Engine(EngineConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "engine";
    }

    public EngineConfig config() {
        return config;
    }

    /** The bound TCP port when {@link EngineConfig#tcpListen()} was given (useful with port 0), else -1. */
    public int tcpPort() {
        return tcpPort;
    }

    @Override
    public void start() throws Exception {
        Path root = config.root().toAbsolutePath();
        Path run = config.runDir().toAbsolutePath();
        Files.createDirectories(root);
        Files.createDirectories(run);
        for (String fix : HostSetup.prepare()) log.info("host setup: {}", fix);
        network = new NetworkManager(NetworkConfig.under(root.resolve("network"), run.resolve("netns"))
                .withDefaultBridge(config.bridgeName(), DOCKER_DEFAULT_SUBNET.equals(config.bridgeSubnet()) ? null : config.bridgeSubnet(), null));
        network.start();
        runtime = new ConmonRuntime(RuntimeConfig.of(config.runtimeBinary(), run.resolve("runtime"), root.resolve("containers"), "/wharf"));
        Events events = new Events(clock);
        images = new ImageAdapter(root, events);
        Volumes volumes = new Volumes(root);
        containers = new Containers(root, runtime, network, images, volumes, events, clock);
        images.containers(containers);
        containers.load();

        Router router = new Router();
        ImagesApi imagesApi = new ImagesApi(containers, images);
        // pull/push/auth/search (issue 3) first: the router takes the first match (this also shadows SystemApi's
        // /auth stub); import stays the fallback of POST /images/create when there is no fromImage
        Distribution distribution = new Distribution(images.service(), DaemonConfig.load(DaemonConfig.locate()), root.resolve("distribution"));
        new DistributionApi(distribution, events).routes(router, imagesApi::create);
        new SystemApi(containers, config, engineId(root)).routes(router);
        new ContainersApi(containers).routes(router);
        new ExecApi(containers).routes(router);
        new BuildApi(containers, new Builder(images.service(), runtime, network, root.resolve("build")), distribution).routes(router);
        imagesApi.routes(router);
        new VolumesApi(containers).routes(router);
        new NetworksApi(containers).routes(router);
        server = new HttpServer(router);
        server.bindUnix(config.socket(), "rw-rw----");
        if (config.tcpListen() != null) {
            String l = config.tcpListen();
            int colon = l.lastIndexOf(':');
            tcpPort = server.bindTcp(colon <= 0 ? "127.0.0.1" : l.substring(0, colon), Integer.parseInt(l.substring(colon + 1)));
        }
        log.info("engine serving on unix://{}{}", config.socket(), tcpPort >= 0 ? " and tcp port " + tcpPort : "");
    }

    private static String engineId(Path root) throws IOException {
        Path f = root.resolve("engine-id");
        if (Files.exists(f)) return Files.readString(f).trim();
        String id = java.util.UUID.randomUUID().toString();
        io.wharf.common.AtomicFiles.write(f, id.getBytes());
        return id;
    }

    @Override
    public void close() {
        if (server != null) server.close();
        if (containers != null) containers.close();
        if (runtime != null) {
            try {
                runtime.close();
            } catch (RuntimeException e) {
                log.debug("runtime close: {}", e.toString());
            }
        }
        if (network != null) network.close();
        server = null;
    }

    /** For `wharf engine` development runs: {@code java io.wharf.engine.Engine [root] [socket]}. */
    public static void main(String[] args) throws Exception {
        EngineConfig d = EngineConfig.defaults();
        EngineConfig c = new EngineConfig(args.length > 0 ? Path.of(args[0]) : d.root(), d.runDir(),
                args.length > 1 ? Path.of(args[1]) : d.socket(), null, d.bridgeName(), d.bridgeSubnet(), d.runtimeBinary());
        Engine e = new Engine(c);
        Runtime.getRuntime().addShutdownHook(new Thread(e::close));
        e.start();
        Thread.currentThread().join();
    }
}
