package io.wharf.registry;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The per-connection bridge from Netty to the blocking registry code: each request runs on its own virtual thread
 * while its body streams in through a {@link BodyStream}. Requests on one connection are answered in order: a
 * pipelined request waits (reading paused) until the previous response is written and its body consumed.
 * All fields are confined to the channel's event loop.
 */
final class RegistryChannelHandler extends ChannelInboundHandlerAdapter {
    private final RegistryApi api;
    private ChannelHandlerContext ctx;
    private Exchange current;
    private boolean bodyComplete, responseComplete, paused;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();

    RegistryChannelHandler(RegistryApi api) {
        this.api = api;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!pending.isEmpty() || (current != null && msg instanceof HttpRequest)) {
            pending.add(msg);
            syncAutoRead();
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            Exchange ex = new Exchange(ctx, req, this);
            current = ex;
            bodyComplete = false;
            responseComplete = false;
            paused = false;
            if (req.decoderResult().isFailure()) {
                // answer like Go's net/http (a TLS client then knows it met plain HTTP), then close: nothing sensible
                // can follow a malformed request head on this connection
                ReferenceCountUtil.release(msg);
                var resp = new io.netty.handler.codec.http.DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                        io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST);
                resp.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, 0);
                resp.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
                current = null;
                return;
            }
            if (!api.serveFromMemory(ex)) Thread.ofVirtual().name("registry-" + req.method()).start(() -> api.serve(ex));
        }
        if (msg instanceof HttpContent c) {
            if (current == null) {
                c.release();
                return;
            }
            if (c.content().isReadable()) {
                if (current.body.offer(c.content()) && !paused) pause();
            } else {
                c.release();
            }
            if (c instanceof LastHttpContent) {
                current.body.end();
                bodyComplete = true;
                maybeNext();
            }
        }
    }

    /**
     * The body queue is above its high watermark: stop reading until the consumer drains it. The consumer decides to
     * wake us by decrementing the queued count and then looking at autoRead; we turn autoRead off and then look at the
     * count, so one of the two always sees the other (else a consumer that drained everything in between would wait
     * for bytes we never read).
     */
    private void pause() {
        paused = true;
        syncAutoRead();
        if (current.body.belowLowWatermark()) resumeReading(current);
    }

    /** From the body consumer of {@code ex} (via the event loop): its queue drained below the low watermark. */
    void resumeReading(Exchange ex) {
        if (ex != current || !paused || !ex.body.belowLowWatermark()) return;
        paused = false;
        syncAutoRead();
    }

    /**
     * The one place autoRead is decided: read unless a pipelined request waits its turn or the current body's queue
     * is full. Everything that changes {@code pending} or {@code paused} calls this, so no path can leave reading off
     * after the reason for it is gone (an early error response used to leave a stale {@code paused} behind, and with
     * it a keep-alive connection nobody read from again).
     */
    private void syncAutoRead() {
        ctx.channel().config().setAutoRead(pending.isEmpty() && !paused);
    }

    /** Event loop (write listener): the response of {@code ex} is written. */
    void responseDone(Exchange ex, boolean ok) {
        if (ex != current) return;
        ex.body.discard();
        if (!ok || !ex.keepAlive) {
            ctx.close();
            return;
        }
        responseComplete = true;
        // the body is dropped: whatever was queued no longer holds reading back, and the unread rest of it (an early
        // error answered before the client finished sending) must still be read, and skipped, to reach the next request
        paused = false;
        syncAutoRead();
        maybeNext();
    }

    private void maybeNext() {
        if (!bodyComplete || !responseComplete) return;
        current = null;
        paused = false;
        while (!pending.isEmpty()) {
            Object next = pending.peek();
            if (next instanceof HttpRequest && current != null) break;
            pending.poll();
            dispatch(next);
        }
        syncAutoRead();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (current != null && !bodyComplete) current.body.fail(new IOException("connection closed before the body ended"));
        Object o;
        while ((o = pending.poll()) != null) ReferenceCountUtil.release(o);
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close().addListener(ChannelFutureListener.CLOSE);
    }
}
