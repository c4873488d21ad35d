package io.wharf.store;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A real etcd on random loopback ports with a temporary data directory; stopped by its own PID. */
final class EtcdProcess implements AutoCloseable {
    static final Path ETCD = Path.of("/usr/bin/etcd");

    final Process process;
    final Path dataDir;
    final String endpoint;

    static boolean available() {
        return Files.isExecutable(ETCD);
    }

    EtcdProcess() throws Exception {
        dataDir = Files.createTempDirectory("wharf-store-etcd");
        int client = freePort(), peer = freePort();
        endpoint = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        process = new ProcessBuilder(ETCD.toString(),
                "--name", "wharf-store-test",
                "--data-dir", dataDir.resolve("etcd").toString(),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "wharf-store-test=" + peerUrl,
                "--initial-cluster-state", "new")
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("etcd.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) {
                String out = Files.readString(dataDir.resolve("etcd.log"));
                close();
                throw new IllegalStateException("etcd exited: " + out);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", client), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("etcd did not listen on " + endpoint);
                }
                Thread.sleep(100);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM to this PID only
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        try (Stream<Path> s = Files.walk(dataDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
