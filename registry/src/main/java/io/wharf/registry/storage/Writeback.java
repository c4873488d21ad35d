package io.wharf.registry.storage;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Early writeback of a file being appended to, with Linux's {@code sync_file_range(SYNC_FILE_RANGE_WRITE)}: the
 * kernel starts writing the dirty pages of a range now instead of at the final fsync (dirty pages otherwise wait up
 * to 30 s), so the disk works while the upload is still arriving and the commit's fdatasync only has the last few
 * MiB left. This changes no durability guarantee: the commit still fsyncs; it only moves disk work earlier.
 *
 * <p>{@code sync_file_range} acts on the file's pages, not on a descriptor's, so it runs on a read-only descriptor
 * of our own (the JDK does not expose a FileChannel's). Without libc or the FFM API (another OS, native access
 * denied) every call is a no-op.
 */
final class Writeback implements AutoCloseable {
    /** Kick the writeback after this many new bytes: big enough that the syscall is rare, small next to an upload. */
    static final long STEP = 8L << 20;
    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000, SYNC_FILE_RANGE_WRITE = 2;
    private static final MethodHandle OPEN, SYNC_FILE_RANGE, CLOSE;

    static {
        MethodHandle open = null, sfr = null, close = null;
        // -Dwharf.registry.writeback=false turns it off (to measure what it buys on a given disk)
        if (Boolean.parseBoolean(System.getProperty("wharf.registry.writeback", "true"))) try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            open = handle(linker, libc, "open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            sfr = handle(linker, libc, "sync_file_range", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            close = handle(linker, libc, "close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        } catch (Throwable unavailable) {
            open = sfr = close = null; // not Linux, or native access denied: writeback stays the kernel's business
        }
        OPEN = open;
        SYNC_FILE_RANGE = sfr;
        CLOSE = close;
    }

    @SuppressWarnings("restricted")
    private static MethodHandle handle(Linker linker, SymbolLookup libc, String name, FunctionDescriptor fd) {
        return linker.downcallHandle(libc.find(name).orElseThrow(), fd);
    }

    /**
     * One daemon thread does every call, in order per file: sync_file_range can block (a full device queue, ext4
     * allocating blocks while the journal commits), and an upload must never wait for it. Started on first use.
     */
    private static final class Worker {
        static final java.util.concurrent.ExecutorService EXEC = java.util.concurrent.Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("registry-writeback").factory());
    }

    private final Path file;
    /** Confined to the worker thread. */
    private int fd = -1;
    private boolean failed;
    /** Writer thread: everything before this offset was handed to the worker. */
    private long started;
    /** Writer thread: whether the worker has work (and maybe a descriptor) for this file; and whether we closed. */
    private boolean submitted, closed;
    private final boolean enabled = SYNC_FILE_RANGE != null;

    Writeback(Path file, long size) {
        this.file = file;
        this.started = size;
    }

    static boolean available() {
        return SYNC_FILE_RANGE != null;
    }

    /** The file now holds {@code size} bytes: have the new ones written back once there are {@link #STEP} of them. */
    void written(long size) {
        if (!enabled || closed || size - started < STEP) return;
        long from = started;
        started = size;
        submitted = true;
        submit(() -> syncRange(from, size - from));
    }

    private void submit(Runnable r) {
        try {
            Worker.EXEC.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // never shut down; nothing to do if it were
        }
    }

    /** Worker thread. */
    private void syncRange(long offset, long length) {
        if (failed) return;
        try {
            if (fd < 0) {
                try (Arena a = Arena.ofConfined()) {
                    fd = (int) OPEN.invokeExact(a.allocateFrom(file.toString(), StandardCharsets.UTF_8), O_RDONLY | O_CLOEXEC);
                }
                if (fd < 0) {
                    failed = true; // e.g. renamed away already: the final fsync does all the work
                    return;
                }
            }
            int r = (int) SYNC_FILE_RANGE.invokeExact(fd, offset, length, SYNC_FILE_RANGE_WRITE);
            if (r != 0) failed = true;
        } catch (Throwable t) {
            failed = true;
        }
    }

    /** Closes the descriptor after the pending calls (on the worker, so it is never closed under one). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (!submitted) return;
        submit(() -> {
            if (fd < 0) return;
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable ignored) {
                // the descriptor is gone either way
            }
            fd = -1;
        });
    }
}
