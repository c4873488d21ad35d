package io.wharf.registry;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body handed from Netty's event loop to the virtual thread serving the request, chunk by chunk, so large
 * uploads are never buffered whole. Backpressure: above {@link #HIGH} queued bytes the channel stops reading; the
 * consumer turns reading back on below {@link #LOW}.
 */
final class BodyStream implements RegistryStorage.Body {
    static final int HIGH = 4 << 20, LOW = 1 << 20;
    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private final Channel channel;
    private final Runnable resume;
    private ByteBuf current;
    private boolean ended;
    /** Event-loop confined: set once the response is out; later chunks are dropped. */
    private boolean discarding;

    BodyStream(Channel channel, Runnable resume) {
        this.channel = channel;
        this.resume = resume;
    }

    /** Event loop: a chunk arrived. Returns true when the producer should pause reading. */
    boolean offer(ByteBuf buf) {
        if (discarding) {
            buf.release();
            return false;
        }
        long q = queued.addAndGet(buf.readableBytes());
        queue.add(buf);
        return q > HIGH;
    }

    /** Event loop: the body ended. */
    void end() {
        queue.add(END);
    }

    /** Event loop: the connection died mid-body. */
    void fail(IOException e) {
        queue.add(e);
    }

    /** Event loop: drop whatever is queued and everything still to come. */
    void discard() {
        discarding = true;
        Object o;
        while ((o = queue.poll()) != null) {
            if (o instanceof ByteBuf b) {
                queued.addAndGet(-b.readableBytes());
                b.release();
            }
        }
    }

    /** Whether the queue is small enough for the producer to read again. */
    boolean belowLowWatermark() {
        return queued.get() < LOW;
    }

    @Override
    public ByteBuffer next() throws IOException {
        if (current != null) {
            current.release();
            current = null;
        }
        if (ended) return null;
        Object o;
        try {
            o = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (o == END) {
            ended = true;
            return null;
        }
        if (o instanceof IOException e) {
            ended = true;
            throw new IOException(e.getMessage(), e);
        }
        ByteBuf b = (ByteBuf) o;
        // decrement first, then look at autoRead: the event loop pauses in the opposite order (see
        // RegistryChannelHandler.pause), so a pause racing with this drain is always seen by one side
        long q = queued.addAndGet(-b.readableBytes());
        if (q < LOW && !channel.config().isAutoRead()) channel.eventLoop().execute(resume);
        current = b;
        return b.nioBuffer();
    }

    /** Reads the whole body, failing with {@code tooLarge} beyond {@code limit} bytes. */
    byte[] readAll(int limit, java.util.function.Supplier<RuntimeException> tooLarge) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer b;
        while ((b = next()) != null) {
            if (out.size() + b.remaining() > limit) throw tooLarge.get();
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.write(chunk);
        }
        return out.toByteArray();
    }

    /** Virtual thread, after the response: releases the chunk in hand. */
    void close() {
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
