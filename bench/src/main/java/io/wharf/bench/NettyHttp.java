package io.wharf.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A lean HTTPS client for throughput figures: java.net.http spends more CPU per request than the server under test
 * does, and both share the machine's two cores. One {@link Conn} is one TLS connection (HTTP/1.1 or HTTP/2 via ALPN),
 * used by one closed-loop worker: one request in flight at a time, like the anchors' Go apibench.
 */
final class NettyHttp implements AutoCloseable {
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;
    private final SslContext ssl;
    private final URI server;
    private final boolean h2;
    private final String accept;

    /** HTTPS with a client certificate (key/chain may be null for none); plain HTTP/1.1 when the URI says http. */
    NettyHttp(URI server, PrivateKey key, X509Certificate[] chain, X509Certificate[] trust, boolean h2, int threads, String accept) throws Exception {
        this.server = server;
        this.h2 = h2;
        this.accept = accept;
        boolean plain = "http".equals(server.getScheme());
        if (plain && h2) throw new IllegalArgumentException("h2 needs https (no h2c here)");
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.ssl = plain ? null : SslContextBuilder.forClient().keyManager(key, chain).trustManager(trust)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        h2 ? new String[] {ApplicationProtocolNames.HTTP_2} : new String[] {ApplicationProtocolNames.HTTP_1_1}))
                .build();
    }

    /** Receives a streamed response (see {@link Conn#stream}); called on the connection's event loop. */
    interface StreamSink {
        void status(int code);

        void data(String chunk, long arrivedNanos);

        void failed(Throwable cause);
    }

    /** The response as the workers need it: status and body size (bodies are read whole, then dropped). */
    record Response(int status, int bytes) {}

    /** One connection, one request at a time. */
    final class Conn {
        private final Channel channel;
        private volatile CompletableFuture<Response> pending;

        private Conn(Channel channel) {
            this.channel = channel;
        }

        Response send(HttpMethod method, String path, String body) throws Exception {
            ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, content);
            req.headers().set(HttpHeaderNames.HOST, server.getHost() + ":" + server.getPort())
                    .set(HttpHeaderNames.ACCEPT, accept)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            if (body != null) req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            CompletableFuture<Response> f = new CompletableFuture<>();
            pending = f;
            if (h2) {
                req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "https");
                // open the stream and write on the event loop in one go: a blocking open() from the worker costs two more
                // thread hand-offs per request, which on two busy cores was most of the client's time
                Http2StreamChannelBootstrap boot = new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new HttpObjectAggregator(256 << 20), new Completer(f));
                    }
                });
                channel.eventLoop().execute(() -> boot.open().addListener((Future<Http2StreamChannel> open) -> {
                    if (open.isSuccess()) open.getNow().writeAndFlush(req);
                    else { req.release(); f.completeExceptionally(open.cause()); }
                }));
            } else {
                channel.writeAndFlush(req);
            }
            return f.get(60, TimeUnit.SECONDS);
        }

        /**
         * Opens a long-running GET (a watch) as one more HTTP/2 stream of this connection; {@code sink} sees the status
         * and then every body chunk as text, on the event loop, with the nanoTime of its arrival.
         */
        void stream(String path, StreamSink sink) {
            if (!h2) throw new IllegalStateException("streams need h2 here");
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
            req.headers().set(HttpHeaderNames.HOST, server.getHost() + ":" + server.getPort()).set(HttpHeaderNames.ACCEPT, accept)
                    .set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "https");
            Http2StreamChannelBootstrap boot = new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel ch) {
                    ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new SimpleChannelInboundHandler<HttpObject>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                            long now = System.nanoTime();
                            if (msg instanceof HttpResponse r) sink.status(r.status().code());
                            if (msg instanceof HttpContent c && c.content().isReadable()) sink.data(c.content().toString(StandardCharsets.UTF_8), now);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            sink.failed(cause);
                            ctx.close();
                        }
                    });
                }
            });
            channel.eventLoop().execute(() -> boot.open().addListener((Future<Http2StreamChannel> open) -> {
                if (open.isSuccess()) open.getNow().writeAndFlush(req);
                else { req.release(); sink.failed(open.cause()); }
            }));
        }

        void close() {
            channel.close();
        }

        private CompletableFuture<Response> pending() {
            return pending;
        }
    }

    private static final class Completer extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final CompletableFuture<Response> target;
        private final Conn conn;

        Completer(CompletableFuture<Response> target) {
            this.target = target;
            this.conn = null;
        }

        Completer(Conn conn) {
            this.target = null;
            this.conn = conn;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
            CompletableFuture<Response> f = target != null ? target : conn.pending();
            f.complete(new Response(r.status().code(), r.content().readableBytes()));
            if (target != null) ctx.close(); // an HTTP/2 stream child: one request each
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            CompletableFuture<Response> f = target != null ? target : conn.pending();
            if (f != null) f.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            CompletableFuture<Response> f = target != null ? target : conn.pending();
            if (f != null && !f.isDone()) f.completeExceptionally(new java.io.IOException("connection closed"));
        }
    }

    /**
     * A connection for many long-running GETs (watches) as HTTP/2 streams, with no per-stream channel: frames are
     * handled on the connection's event loop and routed by stream id, and each stream's receive window is returned
     * in 256 KiB steps (as Go's transport batches its WINDOW_UPDATEs) rather than one WINDOW_UPDATE per DATA frame.
     * A bench client that costs as little per event as the watchers of a real client would.
     */
    final class StreamConn {
        private static final int RETURN_STEP = 256 << 10;
        private final Channel channel;
        private final io.netty.handler.codec.http2.Http2ChannelDuplexHandler codec;
        private final io.netty.util.collection.IntObjectHashMap<StreamState> streams = new io.netty.util.collection.IntObjectHashMap<>();

        private record StreamState(StreamSink sink, int[] unreturned) {}

        private StreamConn(Channel channel, io.netty.handler.codec.http2.Http2ChannelDuplexHandler codec) {
            this.channel = channel;
            this.codec = codec;
        }

        /** Opens a GET of {@code path} as a new stream; {@code sink} sees its status and body, on the event loop. */
        void stream(String path, StreamSink sink) {
            channel.eventLoop().execute(() -> {
                io.netty.handler.codec.http2.Http2FrameStream st = codec.newStream();
                io.netty.handler.codec.http2.Http2Headers h = new io.netty.handler.codec.http2.DefaultHttp2Headers()
                        .method("GET").path(path).scheme("https").authority(server.getHost() + ":" + server.getPort());
                h.add(HttpHeaderNames.ACCEPT, accept);
                var f = channel.write(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(h, true).stream(st));
                // the id is assigned by the write, synchronously on the event loop, before any answer can be read
                streams.put(st.id(), new StreamState(sink, new int[1]));
                f.addListener(w -> { if (!w.isSuccess()) sink.failed(w.cause()); });
                channel.flush();
            });
        }

        private void read(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            try {
                if (msg instanceof io.netty.handler.codec.http2.Http2HeadersFrame hf) {
                    StreamState s = streams.get(hf.stream().id());
                    CharSequence status = hf.headers().status();
                    if (s != null && status != null) s.sink().status(Integer.parseInt(status.toString()));
                } else if (msg instanceof io.netty.handler.codec.http2.Http2DataFrame df) {
                    StreamState s = streams.get(df.stream().id());
                    if (s == null) return;
                    if (df.content().isReadable()) s.sink().data(df.content().toString(StandardCharsets.ISO_8859_1), now);
                    s.unreturned()[0] += df.initialFlowControlledBytes();
                    if (s.unreturned()[0] >= RETURN_STEP) {
                        ctx.write(new io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame(s.unreturned()[0]).stream(df.stream()));
                        s.unreturned()[0] = 0;
                    }
                    if (df.isEndStream()) streams.remove(df.stream().id());
                } else if (msg instanceof io.netty.handler.codec.http2.Http2ResetFrame rf) {
                    StreamState s = streams.remove(rf.stream().id());
                    if (s != null) s.sink().failed(new java.io.IOException("stream reset: " + rf.errorCode()));
                }
            } finally {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        void close() {
            channel.close();
        }
    }

    /** An HTTP/2 connection for {@link StreamConn#stream}s (watches). */
    StreamConn connectStreams() throws Exception {
        if (!h2) throw new IllegalStateException("streams need h2 here");
        StreamConn[] holder = new StreamConn[1];
        io.netty.handler.codec.http2.Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(4 << 20)).build();
        // newStream() is offered to the handler right after the codec (Http2ChannelDuplexHandler)
        io.netty.handler.codec.http2.Http2ChannelDuplexHandler frames = new io.netty.handler.codec.http2.Http2ChannelDuplexHandler() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                StreamConn c = holder[0];
                if (c != null) c.read(ctx, msg);
                else io.netty.util.ReferenceCountUtil.release(msg); // SETTINGS before the connection is set up
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) { ctx.flush(); }
        };
        Bootstrap b = new Bootstrap().group(group).channel(channelType).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc(), server.getHost(), server.getPort()), codec, frames);
                    }
                });
        Channel ch = b.connect(server.getHost(), server.getPort()).sync().channel();
        holder[0] = new StreamConn(ch, frames);
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        tls.handshakeFuture().sync();
        if (!ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) throw new IllegalStateException("server did not agree to h2");
        ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(32 << 20)).sync(); // stream null: the connection window
        return holder[0];
    }

    /** Connects and finishes the TLS handshake (and ALPN) before returning. */
    Conn connect() throws Exception {
        Bootstrap b = new Bootstrap().group(group).channel(channelType).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) ch.pipeline().addLast(ssl.newHandler(ch.alloc(), server.getHost(), server.getPort()));
                        if (h2) {
                            // big receive windows, as Go's and the JDK's clients use: with Netty's 64 KiB defaults a
                            // connection carrying 100 watches stalls on WINDOW_UPDATE round trips
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                            .initialSettings(Http2Settings.defaultSettings().initialWindowSize(4 << 20)).build(),
                                    new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Object msg) { /* no pushes */ }
                                    }));
                        } else {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(256 << 20));
                        }
                    }
                });
        Channel ch = b.connect(server.getHost(), server.getPort()).sync().channel();
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        if (tls != null) {
            tls.handshakeFuture().sync();
            String proto = tls.applicationProtocol();
            if (h2 && !ApplicationProtocolNames.HTTP_2.equals(proto)) throw new IllegalStateException("server did not agree to h2 (ALPN: " + proto + ")");
            if (h2) ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(32 << 20)).sync(); // stream null: the connection window
        }
        Conn c = new Conn(ch);
        if (!h2) ch.pipeline().addLast(new Completer(c));
        return c;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
