package io.wharf.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The closed loop of {@link Load}, driven from the client's event loop instead of one virtual thread per worker: each
 * of the {@code workers} connections (one TLS connection per worker, as the anchors' Go apibench) keeps exactly one
 * request in flight and sends the next one from the handler that received the previous answer. HTTP/2 is handled at
 * the frame level (one stream per request, no per-stream channel). The figures mean the same as {@link Load}'s; the
 * client just costs less CPU per request, which matters when it shares two cores with the server it measures
 * (with a thread hand-off and a per-stream channel per request the Java client used about as much CPU as the server).
 */
final class LoopLoad implements AutoCloseable {
    /** The request a worker sends as its {@code seq}-th. */
    record Request(HttpMethod method, String path, String body) {}

    @FunctionalInterface
    interface Requests {
        Request next(int worker, long seq);
    }

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;
    private final SslContext ssl;
    private final URI server;
    private final boolean h2;
    private final String accept;

    LoopLoad(URI server, PrivateKey key, X509Certificate[] chain, X509Certificate[] trust, boolean h2, String accept) throws Exception {
        this.server = server;
        this.h2 = h2;
        this.accept = accept;
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.ssl = SslContextBuilder.forClient().keyManager(key, chain).trustManager(trust)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        h2 ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    /** One run's shared state; every field but the atomics is touched on the event loop only. */
    private final class Run {
        final Requests requests;
        final long total;
        final long deadline;
        final AtomicLong issued = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final CountDownLatch done;
        final Worker[] workers;

        Run(Requests requests, int c, long total, Duration d) {
            this.requests = requests;
            this.total = total;
            this.deadline = System.nanoTime() + d.toNanos();
            this.done = new CountDownLatch(c);
            this.workers = new Worker[c];
        }

        /** Whether another request may start (same rule as Load: by count if given, else by time). */
        boolean more() {
            return total > 0 ? issued.incrementAndGet() <= total : System.nanoTime() <= deadline;
        }
    }

    /** One connection and its closed loop. */
    private final class Worker {
        final int id;
        Channel channel;
        Http2ChannelDuplexHandler frames;
        /** The workers with a request in flight on this worker's connection, by HTTP/2 stream id (shared when multiplexed). */
        io.netty.util.collection.IntObjectHashMap<Worker> byStream = new io.netty.util.collection.IntObjectHashMap<>();
        Run run;
        long seq;
        long started;
        int status;
        int unreturned;
        long[] lat = new long[1024];
        int n;
        final Map<Integer, Long> codes = new TreeMap<>();
        boolean finished;

        Worker(int id) { this.id = id; }

        /** On the loop: the next request, or the end of this worker. */
        void next() {
            if (!run.more()) {
                if (!finished) { finished = true; run.done.countDown(); }
                return;
            }
            Request r = run.requests.next(id, seq++);
            started = System.nanoTime();
            status = 0;
            byte[] body = r.body() == null ? null : r.body().getBytes(StandardCharsets.UTF_8);
            if (h2) {
                Http2FrameStream st = frames.newStream();
                Http2Headers h = new DefaultHttp2Headers().method(r.method().asciiName()).path(r.path()).scheme("https")
                        .authority(server.getHost() + ":" + server.getPort());
                h.add(HttpHeaderNames.ACCEPT, accept);
                if (body != null) h.add(HttpHeaderNames.CONTENT_TYPE, "application/json").addInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                channel.write(new DefaultHttp2HeadersFrame(h, body == null).stream(st));
                byStream.put(st.id(), this); // the id is assigned by that write, on this event loop
                if (body != null) channel.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true).stream(st));
                channel.flush();
            } else {
                ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
                FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, r.method(), r.path(), content);
                req.headers().set(HttpHeaderNames.HOST, server.getHost() + ":" + server.getPort()).set(HttpHeaderNames.ACCEPT, accept)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
                if (body != null) req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                channel.writeAndFlush(req);
            }
        }

        /** On the loop: the answer to the request in flight is complete. */
        void complete() {
            long d = System.nanoTime() - started;
            if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
            lat[n++] = d;
            codes.merge(status, 1L, Long::sum);
            if (status >= 400 || status <= 0) {
                run.errors.incrementAndGet();
                run.firstError.compareAndSet(null, "status " + status);
            }
            next();
        }

        void failed(Throwable t) {
            run.errors.incrementAndGet();
            run.firstError.compareAndSet(null, t.toString());
            if (!finished) { finished = true; run.done.countDown(); }
        }
    }

    private Worker connect(int id) throws Exception {
        Worker w = new Worker(id);
        Bootstrap b = new Bootstrap().group(group).channel(channelType).option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc(), server.getHost(), server.getPort()));
                        if (h2) {
                            w.frames = new Http2ChannelDuplexHandler() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    try {
                                        if (w.run == null || !(msg instanceof io.netty.handler.codec.http2.Http2StreamFrame sf) || sf.stream() == null) return;
                                        Worker t = w.byStream.get(sf.stream().id());
                                        if (t == null) return;
                                        if (msg instanceof Http2HeadersFrame hf) {
                                            CharSequence s = hf.headers().status();
                                            if (s != null) t.status = Integer.parseInt(s.toString());
                                            if (hf.isEndStream()) { w.byStream.remove(sf.stream().id()); t.complete(); }
                                        } else if (msg instanceof Http2DataFrame df) {
                                            // The connection window refills by itself; a stream's must be given back
                                            // for answers over its 4 MiB window (a list of 10,000 pods), in 1 MiB steps.
                                            t.unreturned += df.initialFlowControlledBytes();
                                            if (df.isEndStream()) {
                                                w.byStream.remove(sf.stream().id());
                                                t.unreturned = 0;
                                                t.complete();
                                            } else if (t.unreturned >= (1 << 20)) {
                                                ctx.write(new DefaultHttp2WindowUpdateFrame(t.unreturned).stream(df.stream()));
                                                t.unreturned = 0;
                                            }
                                        } else if (msg instanceof Http2ResetFrame) {
                                            w.byStream.remove(sf.stream().id());
                                            t.status = 599;
                                            t.complete();
                                        }
                                    } finally {
                                        ReferenceCountUtil.release(msg);
                                    }
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) { ctx.flush(); }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    if (w.run != null) w.failed(cause);
                                    ctx.close();
                                }
                            };
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                    .initialSettings(Http2Settings.defaultSettings().initialWindowSize(4 << 20)).build(), w.frames);
                        } else {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(256 << 20), new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    try {
                                        if (w.run != null && msg instanceof FullHttpResponse r) {
                                            w.status = r.status().code();
                                            w.complete();
                                        }
                                    } finally {
                                        ReferenceCountUtil.release(msg);
                                    }
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    if (w.run != null) w.failed(cause);
                                    ctx.close();
                                }
                            });
                        }
                    }
                });
        Channel ch = b.connect(server.getHost(), server.getPort()).sync().channel();
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        tls.handshakeFuture().sync();
        String proto = tls.applicationProtocol();
        if (h2 && !ApplicationProtocolNames.HTTP_2.equals(proto)) throw new IllegalStateException("server did not agree to h2 (ALPN: " + proto + ")");
        if (h2) ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(32 << 20)).sync();
        w.channel = ch;
        return w;
    }

    /**
     * Opens {@code conns} connections for {@code c} workers (HTTP/2: worker i sends its requests as streams of connection
     * i % conns, as client-go multiplexes every request of a process on one connection; HTTP/1.1: one each), runs a
     * warm-up loop for {@code warmup}, then the measured loop.
     */
    Load.Result run(String label, int c, int conns, long total, Duration d, Duration warmup, Requests requests) throws Exception {
        if (conns <= 0 || conns > c || (!h2 && conns != c)) throw new IllegalArgumentException("conns must be 1.." + c + " (h2) or " + c + " (http/1.1)");
        Worker[] ws = new Worker[c];
        for (int i = 0; i < c; i++) {
            if (i < conns) ws[i] = connect(i);
            else {
                Worker p = ws[i % conns];
                ws[i] = new Worker(i);
                ws[i].channel = p.channel;
                ws[i].frames = p.frames;
                ws[i].byStream = p.byStream;
            }
        }
        if (!warmup.isZero()) loop(ws, requests, 0, warmup);
        for (Worker w : ws) { w.n = 0; w.codes.clear(); }
        long t0 = System.nanoTime();
        Run r = loop(ws, requests, total, d);
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (int i = 0; i < conns; i++) ws[i].channel.close();
        int all = 0;
        for (Worker w : ws) all += w.n;
        long[] merged = new long[all];
        int at = 0;
        Map<Integer, Long> codes = new TreeMap<>();
        for (Worker w : ws) {
            System.arraycopy(w.lat, 0, merged, at, w.n);
            at += w.n;
            w.codes.forEach((k, v) -> codes.merge(k, v, Long::sum));
        }
        Arrays.sort(merged);
        return new Load.Result(label, c, all, r.errors.get(), seconds, Load.pct(merged, 0.50), Load.pct(merged, 0.90),
                Load.pct(merged, 0.99), Load.pct(merged, 1.0), codes, r.firstError.get());
    }

    private Run loop(Worker[] ws, Requests requests, long total, Duration d) throws InterruptedException {
        Run r = new Run(requests, ws.length, total, d);
        group.next().submit(() -> {
            for (Worker w : ws) {
                w.run = r;
                w.finished = false;
                w.next();
            }
        });
        if (!r.done.await(d.toSeconds() + 120, TimeUnit.SECONDS)) throw new IllegalStateException("load run did not finish");
        return r;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
