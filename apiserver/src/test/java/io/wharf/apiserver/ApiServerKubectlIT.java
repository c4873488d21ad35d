package io.wharf.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real kubectl (every kubectl.1.29 .. kubectl.1.33 beside the binary behind `kubectl`) against an ApiServer started
 * on a random port with SQLite in a temp dir, using the generated admin kubeconfig. One namespace per kubectl version.
 * Run with {@code mvn -pl apiserver verify -Pe2e}. Skips when kubectl is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiServerKubectlIT {
    Path tmp;
    ApiServer server;
    Path kubeconfig;
    Path viewerKubeconfig;
    Path badKubeconfig;

    @BeforeAll
    void start() throws Exception {
        tmp = Files.createTempDirectory("wharf-apiserver-it");
        Path tokens = tmp.resolve("tokens.csv");
        Files.writeString(tokens, "viewtoken-0123456789,viewer,uid-viewer,\"\"\n");
        server = new ApiServer(ApiServerConfig.underRoot(tmp.resolve("root")).withTokenFile(tokens));
        server.start();
        kubeconfig = server.kubeconfigPath();
        String ca = Json.YAML.readTree(kubeconfig.toFile()).path("clusters").get(0).path("cluster").path("certificate-authority-data").asText();
        viewerKubeconfig = tokenKubeconfig("viewer.conf", ca, "viewtoken-0123456789");
        badKubeconfig = tokenKubeconfig("bad.conf", ca, "not-a-valid-token");
    }

    private Path tokenKubeconfig(String file, String ca, String token) throws IOException {
        Path p = tmp.resolve(file);
        Files.writeString(p, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: w
                  cluster: {server: "%s", certificate-authority-data: "%s"}
                users:
                - name: u
                  user: {token: "%s"}
                contexts:
                - name: c
                  context: {cluster: w, user: u}
                current-context: c
                """.formatted(server.serverUrl(), ca, token));
        return p;
    }

    @AfterAll
    void stop() {
        if (server != null) server.close();
        try (var walk = Files.walk(tmp)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) { }
    }

    static Path kubectlDir() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "readlink -f \"$(command -v kubectl)\"").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return out.isEmpty() ? null : Path.of(out).getParent();
        } catch (Exception e) {
            return null;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyKubectl() {
        Path dir = kubectlDir();
        Assumptions.assumeTrue(dir != null, "kubectl is not installed");
        List<DynamicTest> tests = new ArrayList<>();
        for (int minor = 29; minor <= 33; minor++) {
            Path bin = dir.resolve("kubectl.1." + minor);
            if (!Files.isExecutable(bin)) continue;
            int m = minor;
            tests.add(DynamicTest.dynamicTest("kubectl 1." + minor, () -> battery(bin, m)));
        }
        Assumptions.assumeFalse(tests.isEmpty(), "no kubectl.1.NN binaries in " + dir);
        return tests.stream();
    }

    record Result(int code, String out) {}

    Result run(Path bin, Path home, Path kc, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kc.toString());
        pb.environment().put("HOME", home.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS)) { p.destroyForcibly(); throw new AssertionError("kubectl " + String.join(" ", args) + " hung"); }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    Result ok(Path bin, Path home, String... args) throws Exception {
        Result r = run(bin, home, kubeconfig, Map.of(), args);
        assertEquals(0, r.code, "kubectl " + String.join(" ", args) + " failed:\n" + r.out);
        return r;
    }

    void battery(Path bin, int minor) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home-" + minor));
        Path work = Files.createDirectories(tmp.resolve("work-" + minor));
        String ns = "it" + minor;

        assertTrue(ok(bin, home, "version").out.contains("Server Version: v1.31.0"));
        String res = ok(bin, home, "api-resources").out;
        assertTrue(res.contains("deployments") && res.contains("configmaps") && res.contains("namespaces"), res);
        assertTrue(ok(bin, home, "explain", "deployment").out.contains("Deployment"));
        assertTrue(ok(bin, home, "create", "namespace", ns).out.contains("namespace/" + ns + " created"));

        Path cm = work.resolve("cm.yaml");
        Files.writeString(cm, """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: cfg
                  namespace: %s
                  labels: {app: myblog}
                data:
                  k: v1
                """.formatted(ns));
        assertTrue(ok(bin, home, "create", "-f", cm.toString()).out.contains("configmap/cfg created"));
        // 409: the same create again
        Result dup = run(bin, home, kubeconfig, Map.of(), "create", "-f", cm.toString());
        assertTrue(dup.code != 0 && dup.out.contains("AlreadyExists"), dup.out);

        // storage and policy kinds: apply, then the columns kubectl prints from the server's Table
        Path storage = work.resolve("storage.yaml");
        Files.writeString(storage, """
                apiVersion: v1
                kind: PersistentVolume
                metadata: {name: pv-%1$s}
                spec: {capacity: {storage: 2Gi}, accessModes: [ReadWriteOnce], storageClassName: sc-%1$s, hostPath: {path: /tmp/pv-%1$s}}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data, namespace: %1$s}
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, storageClassName: sc-%1$s}
                ---
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata: {name: sc-%1$s}
                provisioner: example.com/none
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: pdb, namespace: %1$s}
                spec: {maxUnavailable: 1, selector: {matchLabels: {app: none}}}
                """.formatted(ns));
        assertTrue(ok(bin, home, "apply", "-f", storage.toString()).out.contains("storageclass.storage.k8s.io/sc-" + ns + " created"));
        String pvOut = ok(bin, home, "get", "pv", "pv-" + ns).out;
        assertTrue(pvOut.matches("(?s)NAME\\s+CAPACITY\\s+ACCESS MODES\\s+RECLAIM POLICY\\s+STATUS\\s+CLAIM\\s+STORAGECLASS\\s+VOLUMEATTRIBUTESCLASS\\s+REASON\\s+AGE.*"), pvOut);
        assertTrue(pvOut.contains("2Gi") && pvOut.contains("RWO") && pvOut.contains("Retain") && pvOut.contains("Pending"), pvOut);
        String pvcOut = ok(bin, home, "-n", ns, "get", "pvc").out;
        assertTrue(pvcOut.matches("(?s)NAME\\s+STATUS\\s+VOLUME\\s+CAPACITY\\s+ACCESS MODES\\s+STORAGECLASS\\s+VOLUMEATTRIBUTESCLASS\\s+AGE.*data\\s+Pending.*"), pvcOut);
        String scOut = ok(bin, home, "get", "sc", "sc-" + ns).out;
        assertTrue(scOut.matches("(?s)NAME\\s+PROVISIONER\\s+RECLAIMPOLICY\\s+VOLUMEBINDINGMODE\\s+ALLOWVOLUMEEXPANSION\\s+AGE.*Delete\\s+Immediate\\s+false.*"), scOut);
        String pdbOut = ok(bin, home, "-n", ns, "get", "pdb").out;
        assertTrue(pdbOut.matches("(?s)NAME\\s+MIN AVAILABLE\\s+MAX UNAVAILABLE\\s+ALLOWED DISRUPTIONS\\s+AGE.*pdb\\s+N/A\\s+1\\s+0.*"), pdbOut);
        assertTrue(ok(bin, home, "delete", "-f", storage.toString()).out.contains("deleted"));

        Path deploy = work.resolve("deploy.yaml");
        String deployYaml = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: myblog
                  namespace: %s
                  labels: {app: myblog}
                spec:
                  replicas: 1
                  selector:
                    matchLabels: {app: myblog}
                  template:
                    metadata:
                      labels: {app: myblog}
                    spec:
                      containers:
                      - name: myblog
                        image: IMAGE
                        ports:
                        - containerPort: 8002
                """.formatted(ns);
        Files.writeString(deploy, deployYaml.replace("IMAGE", "myblog:v1"));
        assertTrue(ok(bin, home, "apply", "-f", deploy.toString()).out.contains("deployment.apps/myblog created"));
        Files.writeString(deploy, deployYaml.replace("IMAGE", "myblog:v2"));
        assertTrue(ok(bin, home, "apply", "-f", deploy.toString()).out.contains("deployment.apps/myblog configured"));
        assertTrue(ok(bin, home, "apply", "-f", deploy.toString()).out.contains("unchanged"));
        Path cm2 = work.resolve("cm2.yaml");
        Files.writeString(cm2, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: " + ns + "}\ndata: {a: b}\n");
        assertTrue(ok(bin, home, "apply", "--server-side", "-f", cm2.toString()).out.contains("serverside-applied"));
        assertTrue(ok(bin, home, "apply", "--server-side", "-f", cm2.toString()).out.contains("serverside-applied"));

        String wide = ok(bin, home, "-n", ns, "get", "deploy", "-o", "wide").out;
        assertTrue(wide.contains("CONTAINERS") && wide.contains("myblog:v2"), wide);
        assertTrue(ok(bin, home, "-n", ns, "get", "deploy", "myblog", "-o", "yaml").out.contains("kind: Deployment"));
        JsonNode json = Json.MAPPER.readTree(ok(bin, home, "-n", ns, "get", "deploy", "myblog", "-o", "json").out);
        assertEquals("myblog:v2", json.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText());
        assertEquals("v1", ok(bin, home, "-n", ns, "get", "cm", "cfg", "-o", "jsonpath={.data.k}").out.trim());
        assertTrue(ok(bin, home, "-n", ns, "get", "cm", "--show-labels").out.contains("app=myblog"));
        assertTrue(ok(bin, home, "-n", ns, "describe", "deploy", "myblog").out.contains("myblog:v2"));

        assertTrue(ok(bin, home, "-n", ns, "label", "cm", "cfg", "tier=web").out.contains("labeled"));
        assertTrue(ok(bin, home, "-n", ns, "get", "cm", "-l", "tier in (web,db)", "-o", "name").out.contains("configmap/cfg"));
        assertTrue(ok(bin, home, "-n", ns, "scale", "deploy", "myblog", "--replicas=3").out.contains("scaled"));
        assertEquals("3", ok(bin, home, "-n", ns, "get", "deploy", "myblog", "-o", "jsonpath={.spec.replicas}").out.trim());
        ok(bin, home, "-n", ns, "set", "image", "deploy", "myblog", "myblog=myblog:v3", "--record");
        assertTrue(ok(bin, home, "-n", ns, "get", "deploy", "myblog", "-o", "yaml").out.contains("kubernetes.io/change-cause"));

        Path env = work.resolve("env.txt");
        Files.writeString(env, "# comment\nA=1\nB=two\n");
        assertTrue(ok(bin, home, "-n", ns, "create", "configmap", "fromenv", "--from-env-file=" + env).out.contains("created"));
        assertEquals("two", ok(bin, home, "-n", ns, "get", "cm", "fromenv", "-o", "jsonpath={.data.B}").out.trim());
        assertTrue(ok(bin, home, "-n", ns, "create", "secret", "generic", "sec", "--from-env-file=" + env).out.contains("created"));
        assertEquals("Opaque", ok(bin, home, "-n", ns, "get", "secret", "sec", "-o", "jsonpath={.type}").out.trim());
        Path crt = work.resolve("tls.crt");
        Path key = work.resolve("tls.key");
        Files.writeString(crt, io.wharf.apiserver.pki.Pki.pem(server.pki().caCert()));
        Files.writeString(key, io.wharf.apiserver.pki.Pki.pemKey(server.pki().caKey()));
        assertTrue(ok(bin, home, "-n", ns, "create", "secret", "tls", "https-secret", "--cert=" + crt, "--key=" + key).out.contains("created"));
        assertEquals("kubernetes.io/tls", ok(bin, home, "-n", ns, "get", "secret", "https-secret", "-o", "jsonpath={.type}").out.trim());

        // edit with EDITOR set to a script
        Path editor = work.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/k: v1/k: edited/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwxr-xr-x"));
        Result edit = run(bin, home, kubeconfig, Map.of("EDITOR", editor.toString(), "KUBE_EDITOR", editor.toString()), "-n", ns, "edit", "cm", "cfg");
        assertEquals(0, edit.code, edit.out);
        assertEquals("edited", ok(bin, home, "-n", ns, "get", "cm", "cfg", "-o", "jsonpath={.data.k}").out.trim());

        // Node from YAML, then taint it
        Path node = work.resolve("node.yaml");
        String nodeName = "node-" + minor;
        Files.writeString(node, "apiVersion: v1\nkind: Node\nmetadata:\n  name: " + nodeName + "\n  labels: {kubernetes.io/hostname: " + nodeName + "}\n");
        ok(bin, home, "create", "-f", node.toString());
        assertTrue(ok(bin, home, "taint", "node", nodeName, "dedicated=db:NoSchedule").out.contains("tainted"));
        assertTrue(ok(bin, home, "get", "node", nodeName, "-o", "jsonpath={.spec.taints[0].key}").out.contains("dedicated"));
        assertTrue(ok(bin, home, "taint", "node", nodeName, "dedicated-").out.contains("untainted"));

        // get -w until a change arrives
        List<String> cmd = List.of(bin.toString(), "-n", ns, "get", "cm", "-w");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("HOME", home.toString());
        Process watch = pb.start();
        try {
            StringBuilder seen = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var in = watch.getInputStream()) {
                    byte[] buf = new byte[4096];
                    int n;
                    while ((n = in.read(buf)) > 0) synchronized (seen) { seen.append(new String(buf, 0, n, StandardCharsets.UTF_8)); }
                } catch (IOException ignored) { }
            });
            waitFor(seen, "cfg", 20);
            ok(bin, home, "-n", ns, "create", "configmap", "arrives", "--from-literal=x=y");
            waitFor(seen, "arrives", 20);
            reader.interrupt();
        } finally {
            watch.destroy();
            watch.waitFor(5, TimeUnit.SECONDS);
        }

        assertTrue(ok(bin, home, "auth", "can-i", "create", "pods").out.trim().startsWith("yes"));
        assertTrue(ok(bin, home, "auth", "whoami").out.contains("admin"));
        assertTrue(ok(bin, home, "cluster-info").out.contains("is running at"));

        // Streaming subresources answer at once with a clear error until a node agent exists (never hang).
        Path pod = work.resolve("pod.yaml");
        Files.writeString(pod, "apiVersion: v1\nkind: Pod\nmetadata: {name: p1, namespace: " + ns + "}\n"
                + "spec:\n  containers:\n  - {name: c, image: busybox}\n");
        ok(bin, home, "create", "-f", pod.toString());
        Result logs = run(bin, home, kubeconfig, Map.of(), "-n", ns, "logs", "p1");
        String noAgent = "no node agent serves pod p1: the node agent (kubelet) is not part of this Wharf yet";
        assertTrue(logs.code != 0 && logs.out.contains(noAgent) && logs.out.contains("does not have a host assigned"), logs.out);
        Result exec = run(bin, home, kubeconfig, Map.of(), "-n", ns, "exec", "p1", "--", "true");
        assertTrue(exec.code != 0 && exec.out.contains(noAgent), exec.out);
        assertTrue(ok(bin, home, "-n", ns, "get", "pods", "-o", "wide").out.contains("p1"));
        ok(bin, home, "-n", ns, "delete", "pod", "p1");

        // 401, 403, 400
        Result unauth = run(bin, home, badKubeconfig, Map.of(), "get", "ns");
        assertTrue(unauth.code != 0 && unauth.out.contains("Unauthorized"), unauth.out);
        if (minor == 29) ok(bin, home, "create", "clusterrolebinding", "viewer-view", "--clusterrole=view", "--user=viewer");
        else waitForBinding(bin, home);
        Result viewGet = run(bin, home, viewerKubeconfig, Map.of(), "-n", ns, "get", "cm", "cfg");
        assertEquals(0, viewGet.code, viewGet.out);
        Result forbidden = run(bin, home, viewerKubeconfig, Map.of(), "-n", ns, "delete", "cm", "cfg");
        assertTrue(forbidden.code != 0 && forbidden.out.contains("Forbidden"), forbidden.out);
        assertTrue(run(bin, home, viewerKubeconfig, Map.of(), "auth", "can-i", "delete", "configmaps", "-n", ns).out.trim().startsWith("no"));
        Path bad = work.resolve("bad.yaml");
        Files.writeString(bad, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad, namespace: " + ns + "}\ndata: {a: b}\nbogus: 1\n");
        Result strict = run(bin, home, kubeconfig, Map.of(), "create", "-f", bad.toString());
        assertTrue(strict.code != 0 && (strict.out.contains("unknown field") || strict.out.contains("BadRequest")), strict.out);
        Result badName = run(bin, home, kubeconfig, Map.of(), "-n", ns, "create", "configmap", "Bad_Name");
        assertTrue(badName.code != 0 && badName.out.contains("Invalid"), badName.out);

        // delete -f and by name
        assertTrue(ok(bin, home, "delete", "-f", deploy.toString()).out.contains("deleted"));
        assertTrue(ok(bin, home, "-n", ns, "delete", "cm", "cfg").out.contains("deleted"));
        Result gone = run(bin, home, kubeconfig, Map.of(), "-n", ns, "get", "cm", "cfg");
        assertTrue(gone.code != 0 && gone.out.contains("NotFound"), gone.out);
        ok(bin, home, "delete", "node", nodeName);
    }

    private void waitForBinding(Path bin, Path home) throws Exception {
        for (int i = 0; i < 50; i++) {
            if (run(bin, home, kubeconfig, Map.of(), "get", "clusterrolebinding", "viewer-view").code == 0) return;
            ok(bin, home, "create", "clusterrolebinding", "viewer-view", "--clusterrole=view", "--user=viewer");
            return;
        }
    }

    private static void waitFor(StringBuilder seen, String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            synchronized (seen) { if (seen.indexOf(text) >= 0) return; }
            Thread.sleep(100);
        }
        synchronized (seen) { throw new AssertionError("\"" + text + "\" did not arrive on the watch; output:\n" + seen); }
    }
}
