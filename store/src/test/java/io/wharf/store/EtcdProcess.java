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

    Process process;
    final Path dataDir;
    final String endpoint;
    private final int client;
    private final int peer;
    private final java.util.List<String> extraArgs;

    static boolean available() {
        return Files.isExecutable(ETCD);
    }

    EtcdProcess() throws Exception {
        this(Files.createTempDirectory("wharf-store-etcd"), "http", java.util.List.of());
    }

    /** An etcd serving clients over {@code scheme} (http or https) with extra flags (TLS files). */
    EtcdProcess(Path dataDir, String scheme, java.util.List<String> extraArgs) throws Exception {
        this.dataDir = dataDir;
        this.extraArgs = extraArgs;
        client = freePort();
        peer = freePort();
        endpoint = scheme + "://127.0.0.1:" + client;
        launch("new");
    }

    /** Stops etcd (SIGTERM to its PID) and starts it again on the same ports and data. */
    void restart() throws Exception {
        stop();
        launch("existing");
    }

    private void launch(String clusterState) throws Exception {
        String peerUrl = "http://127.0.0.1:" + peer;
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(ETCD.toString(),
                "--name", "wharf-store-test",
                "--data-dir", dataDir.resolve("etcd").toString(),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "wharf-store-test=" + peerUrl,
                "--initial-cluster-state", clusterState));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile()))
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

    private void stop() throws InterruptedException {
        process.destroy(); // SIGTERM to this PID only
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> s = Files.walk(dataDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
