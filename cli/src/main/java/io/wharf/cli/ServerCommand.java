package io.wharf.cli;

import io.wharf.apiserver.ApiServer;
import io.wharf.apiserver.ApiServerConfig;
import io.wharf.common.Component;
import io.wharf.controllers.ControllerManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** `wharf server`: the Kubernetes API server, the controllers and the scheduler, in the foreground. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run the Kubernetes API server (default https://127.0.0.1:6443) in the foreground.")
final class ServerCommand implements Callable<Integer> {
    @Mixin
    Settings settings;

    @Option(names = "--bind-address", description = "Address to listen on (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1")
    String bindAddress;

    @Option(names = "--port", description = "HTTPS port (default: ${DEFAULT-VALUE}).", defaultValue = "6443")
    int port;

    @Option(names = "--datastore-endpoint", description = "sqlite (default, under <root>/store) or etcd URLs, comma-separated (http://h:2379,...).")
    String datastore;

    @Option(names = "--token-auth-file", description = "Static token CSV: token,user,uid,\"group1,group2\".")
    Path tokenFile;

    @Option(names = "--encryption-provider-config", description = "Kubernetes EncryptionConfiguration for Secrets at rest.")
    Path encryptionConfig;

    @Option(names = "--tls-san", split = ",", description = "More names or IPs for the serving certificate.")
    List<String> sans;

    /**
     * The API server, then the controller manager (controllers + scheduler) talking to it over HTTPS with the admin
     * client certificate: the controllers see the cluster only through the Kubernetes API, as in the design.
     */
    static final class ControlPlane implements Component {
        private final ApiServer apiServer;
        private ControllerManager controllers;

        ControlPlane(ApiServer apiServer) {
            this.apiServer = apiServer;
        }

        @Override
        public String name() {
            return "apiserver+controllers";
        }

        @Override
        public void start() throws Exception {
            apiServer.start();
            var pki = apiServer.pki();
            controllers = ControllerManager.forServer(apiServer.serverUrl(), pki.adminKey(), pki.adminCert(), pki.caCert(),
                    ControllerManager.Options.defaults());
            controllers.start();
        }

        @Override
        public void close() {
            if (controllers != null) controllers.close();
            apiServer.close();
        }
    }

    ServerCommand withDefaults() {
        bindAddress = "127.0.0.1";
        port = 6443;
        return this;
    }

    ApiServerConfig config(Settings s) {
        boolean etcd = datastore != null && !datastore.isBlank() && !datastore.startsWith("sqlite");
        List<String> endpoints = etcd ? List.of(datastore.split(",")) : List.of();
        return new ApiServerConfig(bindAddress, port, s.root.resolve("store"), s.root.resolve("pki"), s.configDir.resolve("admin.conf"),
                etcd ? "etcd" : "sqlite", endpoints, tokenFile, encryptionConfig, null, sans);
    }

    @Override
    public Integer call() {
        return Runner.run(settings, List.of(part(this::config)), false);
    }

    static Part part(Function<Settings, ApiServerConfig> config) {
        return new Part() {
            @Override
            public String name() {
                return "apiserver";
            }

            @Override
            public String usage(Settings s) {
                return "kubernetes: export KUBECONFIG=" + config.apply(s).kubeconfigPath();
            }

            @Override
            public Component create(Settings s) {
                return new ControlPlane(new ApiServer(config.apply(s)));
            }
        };
    }
}
