package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.wharf.apiserver.ApiServer;
import io.wharf.apiserver.ApiServerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A real Wharf API server started in-process (random port, SQLite and PKI in a temp dir) and a fabric8 client for it,
 * plus a recorder of the writes a controller makes through its {@link ApiWriter}.
 */
public final class TestCluster implements AutoCloseable {
    public final Path dir;
    public final ApiServer server;
    public final KubernetesClient client;
    public final ApiWriter writer;
    public final List<ApiWriter.Write> writes = Collections.synchronizedList(new ArrayList<>());

    public TestCluster() throws Exception {
        dir = Files.createTempDirectory("wharf-controllers-test");
        server = new ApiServer(ApiServerConfig.underRoot(dir));
        server.start();
        client = ControllerManager.client(server.kubeconfigPath());
        writer = new ApiWriter(client);
        writer.onWrite(writes::add);
    }

    public void namespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    /** The writes recorded since the last call, as "verb kind ns/name" strings, sorted. */
    public List<String> takeWrites() {
        List<String> out;
        synchronized (writes) {
            // event names end in a random suffix: keep the involved object's part
            out = new ArrayList<>(writes.stream().map(ApiWriter.Write::toString).map(w -> w.replaceAll("^((?:create|update) event \\S+?)\\.[0-9a-f]+$", "$1.*")).toList());
            writes.clear();
        }
        out.sort(null);
        return out;
    }

    public static void await(String what, Duration timeout, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!test(cond)) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** A condition over cached objects that are not there yet (a null somewhere) is simply not met yet. */
    private static boolean test(BooleanSupplier cond) {
        try {
            return cond.getAsBoolean();
        } catch (NullPointerException | java.util.NoSuchElementException e) {
            return false;
        }
    }

    @Override
    public void close() throws java.io.IOException {
        client.close();
        server.close();
        try (var w = Files.walk(dir)) {
            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
