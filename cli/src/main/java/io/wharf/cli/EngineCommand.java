package io.wharf.cli;

import io.wharf.common.Component;
import io.wharf.engine.Engine;
import io.wharf.engine.EngineConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** `wharf engine`: the Docker Engine API (dockerd's job) in the foreground. */
@Command(name = "engine", mixinStandardHelpOptions = true, description = "Run the Docker Engine API (default unix:///run/wharf/docker.sock) in the foreground.")
final class EngineCommand implements Callable<Integer> {
    @Mixin
    Settings settings;

    @Option(names = "--socket", description = "Unix socket of the Docker API (default: <run-dir>/docker.sock).")
    Path socket;

    @Option(names = "--tcp", description = "Also serve plain TCP on host:port (no TLS: loopback only).")
    String tcp;

    @Option(names = "--bridge", description = "Linux bridge of the default network (default: ${DEFAULT-VALUE}).", defaultValue = "wharf0")
    String bridge;

    @Option(names = "--bridge-subnet", description = "Subnet of the default network (default: ${DEFAULT-VALUE}; the next free one if taken).", defaultValue = "172.17.0.0/16")
    String bridgeSubnet;

    @Option(names = "--runtime", description = "OCI runtime: crun or runc (default: ${DEFAULT-VALUE}).", defaultValue = "crun")
    String runtime;

    /** The option defaults, for `wharf up`, where picocli does not parse this command. */
    EngineCommand withDefaults() {
        bridge = "wharf0";
        bridgeSubnet = "172.17.0.0/16";
        runtime = "crun";
        return this;
    }

    EngineConfig config(Settings s) {
        return new EngineConfig(s.root, s.runDir, socket != null ? socket : s.runDir.resolve("docker.sock"), tcp, bridge, bridgeSubnet, runtime);
    }

    @Override
    public Integer call() {
        return Runner.run(settings, List.of(part(this::config)), false);
    }

    static Part part(Function<Settings, EngineConfig> config) {
        return new Part() {
            @Override
            public String name() {
                return "engine";
            }

            @Override
            public String usage(Settings s) {
                return "engine: export DOCKER_HOST=unix://" + config.apply(s).socket();
            }

            @Override
            public Component create(Settings s) {
                return new Engine(config.apply(s));
            }
        };
    }
}
