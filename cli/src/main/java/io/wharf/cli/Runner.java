package io.wharf.cli;

import io.wharf.common.AtomicFiles;
import io.wharf.common.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs components in the foreground: starts them in order, closes them in reverse on SIGTERM/SIGINT or when one
 * fails to start. With {@code daemon}, it also owns the pid file and the ready marker that `wharf up` waits for.
 */
final class Runner {
    private static final Logger log = LoggerFactory.getLogger(Runner.class);

    static int run(Settings s, List<Part> parts, boolean daemon) {
        List<Component> started = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            closeAll(started);
            stopped.countDown();
        }, "wharf-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (daemon) {
                Files.deleteIfExists(s.readyFile());
                AtomicFiles.write(s.pidFile(), (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            for (Part p : parts) {
                long t0 = System.nanoTime();
                Component c = p.create(s);
                synchronized (started) {
                    c.start();
                    started.add(c);
                }
                log.info("{} started in {} ms", p.name(), (System.nanoTime() - t0) / 1_000_000);
            }
            if (daemon) {
                StringBuilder sb = new StringBuilder();
                for (Part p : parts) sb.append(p.usage(s)).append('\n');
                AtomicFiles.write(s.readyFile(), sb.toString().getBytes(StandardCharsets.UTF_8));
            }
            log.info("wharf is ready ({})", parts.stream().map(Part::name).toList());
            stopped.await();
            return 0;
        } catch (Exception e) {
            log.error("start failed: {}", e.toString(), e);
            Runtime.getRuntime().removeShutdownHook(hook);
            closeAll(started);
            return 1;
        } finally {
            if (daemon) {
                try {
                    Files.deleteIfExists(s.readyFile());
                    Files.deleteIfExists(s.pidFile());
                } catch (Exception ignored) {
                    // best effort: a stale pid file is detected by `wharf up` through the process table
                }
            }
        }
    }

    private static void closeAll(List<Component> started) {
        synchronized (started) {
            for (int i = started.size() - 1; i >= 0; i--) {
                Component c = started.get(i);
                try {
                    c.close();
                    log.info("{} stopped", c.name());
                } catch (RuntimeException e) {
                    log.warn("{} did not stop cleanly: {}", c.name(), e.toString());
                }
            }
            started.clear();
        }
    }
}
