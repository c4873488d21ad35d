package io.wharf.apiserver;

import java.nio.file.Path;

/** Runs a server under a directory for manual poking: java ... DevServerMain /tmp/dir [port]. Not a test. */
public final class DevServerMain {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        ApiServer s = new ApiServer(ApiServerConfig.underRoot(root).withPort(port));
        s.start();
        System.out.println("READY " + s.serverUrl() + " " + s.kubeconfigPath());
        Thread.currentThread().join();
    }
}
