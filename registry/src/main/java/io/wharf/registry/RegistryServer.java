package io.wharf.registry;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.wharf.common.Component;
import io.wharf.http.Transports;
import io.wharf.registry.storage.FilesystemDriver;
import io.wharf.registry.storage.StorageDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Wharf's OCI registry (distribution-spec v1.1, Docker Registry HTTP API V2): Netty HTTP/1.1 on the wire, the
 * blocking storage work on virtual threads, blobs sent with sendfile. {@code wharf registry} runs one in the
 * foreground; {@code wharf up} starts one beside the engine.
 */
public final class RegistryServer implements Component {
    private static final Logger log = LoggerFactory.getLogger(RegistryServer.class);
    private static final int IDLE_SECONDS = 300;

    private final RegistryConfig config;
    private final Clock clock;
    private final StorageDriver driver;
    private RegistryStorage storage;
    private EventLoopGroup group;
    private Channel channel;

    public RegistryServer(RegistryConfig config) throws IOException {
        this(config, new FilesystemDriver(config.root()), Clock.systemUTC());
    }

    /** With another storage driver or clock (tests). */
    public RegistryServer(RegistryConfig config, StorageDriver driver, Clock clock) {
        this.config = config;
        this.driver = driver;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "registry";
    }

    @Override
    public synchronized void start() throws Exception {
        if (channel != null) return;
        storage = new RegistryStorage(driver, clock);
        Authenticator auth = Authenticator.of(config, clock);
        RegistryApi api = new RegistryApi(storage, auth);
        SslContext ssl = config.tls() ? SslContextBuilder.forServer(config.tlsCert().toFile(), config.tlsKey().toFile()).build() : null;
        // the event loop only shuffles bytes; one thread per core is plenty, and small for idle RSS
        group = Transports.newGroup(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
        HttpDecoderConfig decoder = new HttpDecoderConfig().setMaxChunkSize(1 << 20).setMaxHeaderSize(16 * 1024);
        ChannelInitializer<Channel> init = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ChannelPipeline p = ch.pipeline();
                if (ssl != null) p.addLast(ssl.newHandler(ch.alloc()));
                // a connection that neither sends nor receives for this long is dead: free its upload and thread
                p.addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS));
                p.addLast(new HttpServerCodec(decoder));
                p.addLast(new HttpServerExpectContinueHandler());
                p.addLast(new ChunkedWriteHandler());
                p.addLast(new RegistryChannelHandler(api));
            }
        };
        try {
            channel = Transports.bindTcp(group, config.host(), config.port(), init);
        } catch (Exception e) {
            close();
            throw new io.wharf.common.WharfException(io.wharf.common.ErrorKind.UNAVAILABLE,
                    "registry cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        log.info("registry listening on {}://{}:{} (root {})", config.tls() ? "https" : "http", config.host(), port(), config.root());
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public RegistryConfig config() {
        return config;
    }

    /** The storage behind the server (for GC and inspection); available after {@link #start()}. */
    public RegistryStorage storage() {
        return storage;
    }

    /** Runs mark-and-sweep garbage collection with the configured grace period while the server keeps serving. */
    public GarbageCollector.Result garbageCollect() throws IOException {
        RegistryStorage s = storage != null ? storage : new RegistryStorage(driver, clock);
        return new GarbageCollector(s, clock).run(config.gcGracePeriod(), config.uploadMaxAge());
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
            channel = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }
}
