package io.wharf.engine.distribution;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** The download → unpack pipe: bytes arrive whole and in order through recycled buffers; either side can stop the other. */
class ChunkPipeTest {
    @Test
    void bytesArriveInOrderThroughFewRecycledBuffers() throws Exception {
        byte[] data = new byte[5_000_000];
        new Random(3).nextBytes(data);
        ChunkPipe pipe = new ChunkPipe(3, 4096);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<byte[]> read = ex.submit(() -> {
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                byte[] b = new byte[1000];
                int k;
                while ((k = pipe.input.read(b, 0, new Random().nextInt(1, b.length))) >= 0) o.write(b, 0, k);
                return o.toByteArray();
            });
            Random r = new Random(5);
            java.util.Set<byte[]> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (int off = 0; off < data.length; ) {
                byte[] buf = pipe.take();
                seen.add(buf);
                int n = Math.min(data.length - off, r.nextInt(1, buf.length + 1));
                System.arraycopy(data, off, buf, 0, n);
                pipe.send(buf, n);
                off += n;
            }
            pipe.finish();
            assertArrayEquals(data, read.get());
            assertEquals(3, seen.size(), "only the pipe's own buffers circulate");
        }
    }

    @Test
    void anAbortedDownloadFailsTheReader() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2, 16);
        byte[] b = pipe.take();
        pipe.send(b, 5);
        pipe.abort();
        assertEquals(5, pipe.input.read(new byte[16]));
        IOException e = assertThrows(IOException.class, () -> pipe.input.read(new byte[16]));
        assertTrue(e.getMessage().contains("download"), e.getMessage());
    }

    @Test
    void aClosedReaderUnblocksAWaitingWriter() throws Exception {
        ChunkPipe pipe = new ChunkPipe(1, 16);
        pipe.send(pipe.take(), 16); // the only buffer is now with the reader
        CompletableFuture<Throwable> writer = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                pipe.take();
                writer.complete(null);
            } catch (Throwable t) {
                writer.complete(t);
            }
        });
        pipe.input.close();
        Throwable t = writer.get();
        assertInstanceOf(IOException.class, t);
        assertThrows(IOException.class, () -> pipe.send(new byte[16], 16));
    }
}
