package io.wharf.engine.distribution;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded pipe between a downloading thread and an unpacking thread, so that a layer is unpacked while it
 * downloads. The writer borrows one of a fixed set of buffers ({@link #take}), reads the network straight into it and
 * hands it over ({@link #send}); the reader gives it back once consumed: no copies and no garbage per chunk (the engine
 * runs with a small serial-GC heap). Unlike {@link java.io.PipedInputStream} both sides run at once, either side can
 * abort the other, and it does not care which threads use it.
 */
final class ChunkPipe {
    private record Chunk(byte[] buf, int len) {}

    private static final Chunk EOF = new Chunk(new byte[0], 0);
    private static final Chunk ABORTED = new Chunk(new byte[0], 0);

    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Chunk> full;
    private volatile boolean readerClosed;

    /** @param chunks how many buffers circulate; @param chunkSize their size (e.g. 8 x 256 KiB) */
    ChunkPipe(int chunks, int chunkSize) {
        this.free = new ArrayBlockingQueue<>(chunks);
        this.full = new ArrayBlockingQueue<>(chunks + 1);
        for (int i = 0; i < chunks; i++) free.add(new byte[chunkSize]);
    }

    /** A free buffer to fill; waits while all are with the reader. */
    byte[] take() throws IOException {
        try {
            while (true) {
                if (readerClosed) throw new IOException("the unpacking side of the pipe closed");
                byte[] b = free.poll(100, TimeUnit.MILLISECONDS);
                if (b != null) return b;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for a pipe buffer");
        }
    }

    /** Hands {@code len} bytes of a buffer from {@link #take} to the reader (which owns it until it gives it back). */
    void send(byte[] buf, int len) throws IOException {
        if (readerClosed) throw new IOException("the unpacking side of the pipe closed");
        if (len <= 0) {
            free.offer(buf);
            return;
        }
        // never blocks: at most `chunks` buffers exist, plus room for the end marker
        full.add(new Chunk(buf, len));
    }

    /** Gives back a buffer from {@link #take} unused. */
    void giveBack(byte[] buf) {
        free.offer(buf);
    }

    /** Ends the stream normally. */
    void finish() {
        full.offer(EOF);
    }

    /** Ends the stream with an error on the reading side (the download failed). */
    void abort() {
        full.offer(ABORTED);
    }

    final InputStream input = new InputStream() {
        private Chunk cur;
        private int pos;
        private boolean eof;

        private boolean fill() throws IOException {
            if (eof) return false;
            while (cur == null || pos >= cur.len()) {
                if (cur != null) {
                    free.offer(cur.buf());
                    cur = null;
                }
                Chunk next;
                try {
                    next = full.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted reading the pipe");
                }
                if (next == EOF) {
                    eof = true;
                    return false;
                }
                if (next == ABORTED) throw new IOException("the download of this layer failed");
                cur = next;
                pos = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? cur.buf()[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!fill()) return -1;
            int n = Math.min(len, cur.len() - pos);
            System.arraycopy(cur.buf(), pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return cur == null ? 0 : cur.len() - pos;
        }

        @Override
        public void close() {
            readerClosed = true;
            if (cur != null) free.offer(cur.buf());
            cur = null;
        }
    };
}
