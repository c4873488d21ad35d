package io.wharf.cli;

import io.wharf.common.Component;
import io.wharf.registry.GarbageCollector;
import io.wharf.registry.RegistryConfig;
import io.wharf.registry.RegistryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** `wharf registry`: the OCI distribution server in the foreground; `wharf registry gc` collects garbage offline. */
@Command(name = "registry", mixinStandardHelpOptions = true, description = "Run the OCI registry (default 127.0.0.1:5000) in the foreground.",
        subcommands = RegistryCommand.Gc.class)
final class RegistryCommand implements Callable<Integer> {
    @Mixin
    Settings settings;

    @Option(names = "--addr", description = "Listen address host:port (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1:5000")
    String addr;

    @Option(names = "--registry-root", description = "Storage directory (default: <root>/registry).")
    Path registryRoot;

    @Option(names = "--tls-cert", description = "PEM certificate: serve HTTPS.")
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM private key for --tls-cert.")
    Path tlsKey;

    @Option(names = "--htpasswd", description = "htpasswd file (bcrypt): require HTTP basic authentication.")
    Path htpasswd;

    @Option(names = "--token-realm", description = "Docker token authentication: the token service URL.")
    String tokenRealm;

    @Option(names = "--token-service", description = "Docker token authentication: the service (audience).")
    String tokenService;

    @Option(names = "--token-issuer", description = "Docker token authentication: the expected issuer.")
    String tokenIssuer;

    @Option(names = "--token-public-key", description = "Docker token authentication: PEM key or certificate that signs tokens.")
    Path tokenPublicKey;

    @Option(names = "--gc-grace", description = "Unreferenced blobs younger than this survive gc (ISO-8601, default: ${DEFAULT-VALUE}).", defaultValue = "PT1H")
    Duration gcGrace;

    RegistryConfig config() {
        int colon = addr.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("--addr must be host:port, got " + addr);
        RegistryConfig c = RegistryConfig.defaults()
                .withRoot(registryRoot != null ? registryRoot : settings.root.resolve("registry"))
                .withListen(addr.substring(0, colon), Integer.parseInt(addr.substring(colon + 1)))
                .withGc(gcGrace, Duration.ofDays(7));
        if (tlsCert != null || tlsKey != null) c = c.withTls(tlsCert, tlsKey);
        if (htpasswd != null) c = c.withHtpasswd(htpasswd);
        if (tokenRealm != null) c = c.withToken(new RegistryConfig.TokenAuth(tokenRealm, tokenService, tokenIssuer, tokenPublicKey));
        return c;
    }

    @Override
    public Integer call() {
        return Runner.run(settings, List.of(part(s -> config())), false);
    }

    static Part part(java.util.function.Function<Settings, RegistryConfig> config) {
        return new Part() {
            @Override
            public String name() {
                return "registry";
            }

            @Override
            public String usage(Settings s) {
                RegistryConfig c = config.apply(s);
                return "registry: http://" + c.host() + ":" + c.port() + " (docker push " + c.host() + ":" + c.port() + "/NAME:TAG)";
            }

            @Override
            public Component create(Settings s) throws Exception {
                return new RegistryServer(config.apply(s));
            }
        };
    }

    @Command(name = "gc", mixinStandardHelpOptions = true, description = "Delete blobs no manifest references. Run while no registry serves this root.")
    static final class Gc implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        RegistryCommand parent;

        @Override
        public Integer call() throws Exception {
            GarbageCollector.Result r = new RegistryServer(parent.config()).garbageCollect();
            System.out.printf("marked %d manifests and %d blobs; deleted %d blobs (%d bytes); purged %d uploads%n",
                    r.manifestsMarked(), r.blobsMarked(), r.blobsDeleted(), r.bytesFreed(), r.uploadsPurged());
            return 0;
        }
    }
}
