package io.wharf.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads conmon's k8s-file log format (the CRI log format): one record per line,
 * {@code 2026-11-27T18:31:29.123456789+00:00 stdout F hello}. Content is raw bytes (not necessarily UTF-8);
 * it never contains '\n' since conmon splits records there.
 */
final class K8sLog {
    private K8sLog() {}

    /** Parses one line (without its '\n'); null when malformed. */
    static LogEntry parse(byte[] buf, int start, int end) {
        int s1 = indexOf(buf, start, end, (byte) ' ');
        if (s1 < 0) return null;
        int s2 = indexOf(buf, s1 + 1, end, (byte) ' ');
        if (s2 < 0) return null;
        int s3 = indexOf(buf, s2 + 1, end, (byte) ' ');
        int tagEnd = s3 < 0 ? end : s3;
        Instant time;
        try {
            time = OffsetDateTime.parse(new String(buf, start, s1 - start, StandardCharsets.US_ASCII)).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
        String stream = new String(buf, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
        StreamType type = stream.equals("stderr") ? StreamType.STDERR : StreamType.STDOUT;
        boolean partial = tagEnd > s2 + 1 && buf[s2 + 1] == 'P';
        int cStart = s3 < 0 ? end : s3 + 1;
        int len = end - cStart;
        byte[] content = Arrays.copyOfRange(buf, cStart, cStart + len + (partial ? 0 : 1));
        if (!partial) content[len] = '\n';
        return new LogEntry(time, type, partial, content);
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) if (b[i] == c) return i;
        return -1;
    }

    static List<LogEntry> readAll(Path file, int tail) throws IOException {
        if (!Files.exists(file)) return List.of();
        byte[] all = Files.readAllBytes(file);
        ArrayDeque<LogEntry> out = new ArrayDeque<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                LogEntry e = parse(all, start, i);
                if (e != null) {
                    out.addLast(e);
                    if (tail >= 0 && out.size() > tail) out.removeFirst();
                }
                start = i + 1;
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * Incremental reader for follow mode: {@link #poll} delivers complete new records since the last call and
     * keeps an incomplete trailing line for the next call.
     */
    static final class Tail {
        private final Path file;
        private long offset;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        Tail(Path file, long offset) {
            this.file = file;
            this.offset = offset;
        }

        /** Returns true when something was delivered. */
        boolean poll(Consumer<LogEntry> sink) throws IOException {
            if (!Files.exists(file)) return false;
            boolean any = false;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                long len = raf.length();
                if (len < offset) { // truncated (log rotation): start over
                    offset = 0;
                    pending.reset();
                }
                if (len == offset) return false;
                raf.seek(offset);
                byte[] chunk = new byte[(int) Math.min(len - offset, 1 << 20)];
                raf.readFully(chunk);
                offset += chunk.length;
                int start = 0;
                for (int i = 0; i < chunk.length; i++) {
                    if (chunk[i] == '\n') {
                        byte[] line;
                        int ls, le;
                        if (pending.size() > 0) {
                            pending.write(chunk, start, i - start);
                            line = pending.toByteArray();
                            pending.reset();
                            ls = 0;
                            le = line.length;
                        } else {
                            line = chunk;
                            ls = start;
                            le = i;
                        }
                        LogEntry e = parse(line, ls, le);
                        if (e != null) {
                            sink.accept(e);
                            any = true;
                        }
                        start = i + 1;
                    }
                }
                if (start < chunk.length) pending.write(chunk, start, chunk.length - start);
            }
            return any;
        }
    }

    /** Byte offset where the last {@code tail} records start (0 = whole file). */
    static long offsetOfTail(Path file, int tail) throws IOException {
        if (tail < 0 || !Files.exists(file)) return 0;
        byte[] all = Files.readAllBytes(file);
        if (tail == 0) return all.length;
        int count = 0;
        int end = all.length;
        if (end > 0 && all[end - 1] == '\n') end--;
        for (int i = end - 1; i >= 0; i--) {
            if (all[i] == '\n') {
                if (++count == tail) return i + 1;
            }
        }
        return 0;
    }
}
