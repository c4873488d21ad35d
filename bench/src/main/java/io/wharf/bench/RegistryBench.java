package io.wharf.bench;

import io.netty.handler.codec.http.HttpMethod;

import java.net.URI;
import java.time.Duration;

/**
 * Manifest GETs by tag against an OCI distribution registry (issue 3, "Speed"): {@code --n} requests in total from
 * {@code --c} concurrent workers, each with its own keep-alive HTTP/1.1 connection (as docker and containerd use),
 * after {@code --warmup-seconds} of the same load (the client JVM must be compiled before it measures anything). Prints
 * one JSON line (requests, rps, p50/p90/p99/max ms).
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
        Duration warmup = a.seconds("warmup-seconds", 2);
        String label = a.str("label", "registry");
        a.done();
        String path = "/v2/" + repo + "/manifests/" + tag;
        try (NettyHttp http = new NettyHttp(URI.create(url), null, null, null, false, 1, ACCEPT)) {
            NettyHttp.Conn[] conns = new NettyHttp.Conn[c];
            for (int i = 0; i < c; i++) conns[i] = http.connect();
            Load.Op op = (w, i) -> conns[w].send(HttpMethod.GET, path, null).status();
            Load.run(label + "-warmup", c, 0, warmup, op);
            System.out.println(Load.run(label, c, n, Duration.ofMinutes(5), op).json());
        }
        System.exit(0);
    }
}
