package io.wharf.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Manifest GETs by tag against an OCI distribution registry (issue 3, "Speed"): {@code --n} requests in total from
 * {@code --c} concurrent workers, each with its own HTTP/1.1 connection (as docker and containerd use). Prints one JSON
 * line (requests, rps, p50/p90/p99/max ms).
 *
 * <pre>RegistryBench --url http://127.0.0.1:5000 --repo bench/rand100 --tag latest --n 1000 --c 32 --label wharf</pre>
 */
public final class RegistryBench {
    private static final String ACCEPT = String.join(", ", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    private RegistryBench() {}

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        String url = a.str("url", null);
        String repo = a.str("repo", null);
        String tag = a.str("tag", "latest");
        int n = a.integer("n", 1000);
        int c = a.integer("c", 32);
        int warmup = a.integer("warmup", 200);
        String label = a.str("label", "registry");
        a.done();
        URI uri = URI.create(url + "/v2/" + repo + "/manifests/" + tag);
        HttpClient[] clients = new HttpClient[c];
        for (int i = 0; i < c; i++)
            clients[i] = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest req = HttpRequest.newBuilder(uri).header("Accept", ACCEPT).timeout(Duration.ofSeconds(30)).GET().build();
        Load.Op op = (w, i) -> clients[w].send(req, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
        // the warm-up opens every worker's connection and lets the JIT compile both sides' hot paths
        Load.run(label + "-warmup", c, warmup, Duration.ofMinutes(5), op);
        System.out.println(Load.run(label, c, n, Duration.ofMinutes(5), op).json());
    }
}
