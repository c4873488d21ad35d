package io.wharf.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The API server on etcd (a real etcd started by the test), driven by kubectl: create, get, list, watch, delete. */
class ApiServerEtcdIT {
    @Test
    void servesFromEtcd() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")), "etcd is not installed");
        Path kubectlDir = ApiServerKubectlIT.kubectlDir();
        Assumptions.assumeTrue(kubectlDir != null, "kubectl is not installed");
        Path tmp = Files.createTempDirectory("wharf-apiserver-etcd");
        int client = freePort();
        int peer = freePort();
        Process etcd = new ProcessBuilder("/usr/bin/etcd", "--data-dir", tmp.resolve("etcd").toString(), "--name", "wharf-apiserver-it",
                "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "wharf-apiserver-it=http://127.0.0.1:" + peer)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("etcd.log").toFile()).start();
        try {
            waitForPort(client);
            ApiServerConfig cfg = ApiServerConfig.underRoot(tmp.resolve("root")).withEtcd(List.of("http://127.0.0.1:" + client));
            try (ApiServer server = new ApiServer(cfg)) {
                server.start();
                Path kubectl = kubectlDir.resolve("kubectl");
                String kc = server.kubeconfigPath().toString();
                assertTrue(run(kubectl, kc, tmp, "create", "namespace", "etcdns").contains("created"));
                assertTrue(run(kubectl, kc, tmp, "-n", "etcdns", "create", "configmap", "c", "--from-literal=a=b").contains("created"));
                JsonNode cm = Json.MAPPER.readTree(run(kubectl, kc, tmp, "-n", "etcdns", "get", "cm", "c", "-o", "json"));
                assertEquals("b", cm.path("data").path("a").asText());
                assertTrue(run(kubectl, kc, tmp, "get", "ns").contains("kube-system"));
                // watch, then a change
                ProcessBuilder pb = new ProcessBuilder(kubectl.toString(), "-n", "etcdns", "get", "cm", "-w", "--output-watch-events")
                        .redirectErrorStream(true);
                pb.environment().put("KUBECONFIG", kc);
                pb.environment().put("HOME", tmp.toString());
                Process w = pb.start();
                try {
                    BufferedReader r = new BufferedReader(new InputStreamReader(w.getInputStream(), StandardCharsets.UTF_8));
                    assertTrue(readUntil(r, "c"), "initial list");
                    run(kubectl, kc, tmp, "-n", "etcdns", "create", "configmap", "later", "--from-literal=x=y");
                    assertTrue(readUntil(r, "later"), "watched ADDED");
                } finally {
                    w.destroy();
                    w.waitFor(5, TimeUnit.SECONDS);
                }
                assertTrue(run(kubectl, kc, tmp, "-n", "etcdns", "delete", "cm", "c").contains("deleted"));
            }
        } finally {
            etcd.destroy();
            if (!etcd.waitFor(10, TimeUnit.SECONDS)) etcd.destroyForcibly();
            try (var walk = Files.walk(tmp)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static boolean readUntil(BufferedReader r, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String line;
        while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
            if (line.contains(name)) return true;
        }
        return false;
    }

    private static String run(Path kubectl, String kc, Path home, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(kubectl.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kc);
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", args) + ":\n" + out);
        return out;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(100);
            }
        }
        fail("etcd did not start on port " + port);
    }
}
