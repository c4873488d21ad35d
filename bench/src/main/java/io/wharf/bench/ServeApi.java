package io.wharf.bench;

import io.wharf.apiserver.ApiServer;
import io.wharf.apiserver.ApiServerConfig;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Stand-in for {@code wharf server} while the CLI lacks it: Wharf's API server alone in this process (SQLite store,
 * PKI and admin.conf under {@code --root}), until SIGTERM. bench/apiserver.sh uses it only when {@code bin/wharf server}
 * is missing, with the same JVM flags as bin/wharf, so cold start and RSS stay comparable.
 */
public final class ServeApi {
    private ServeApi() {}

    public static void main(String[] argv) throws Exception {
        Args a = new Args(argv);
        Path root = Path.of(a.str("root", null));
        int port = a.integer("port", 6443);
        String tokens = a.str("token-file", "");
        a.done();
        ApiServerConfig config = ApiServerConfig.underRoot(root).withPort(port);
        if (!tokens.isEmpty()) config = config.withTokenFile(Path.of(tokens));
        ApiServer s = new ApiServer(config);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try { s.close(); } catch (Exception ignored) { /* exiting */ }
            stop.countDown();
        }));
        s.start();
        System.err.println("serving " + s.serverUrl() + " kubeconfig " + s.kubeconfigPath());
        stop.await();
    }
}
