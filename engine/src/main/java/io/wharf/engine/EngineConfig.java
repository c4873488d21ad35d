package io.wharf.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the engine keeps its state and how it is reached.
 *
 * @param root        state root (containers/, volumes/, image store...), e.g. /var/lib/wharf
 * @param runDir      volatile runtime state (runtime state dirs, netns), e.g. /run/wharf
 * @param socket      the Docker API unix socket, e.g. /run/wharf/docker.sock (mode 0660)
 * @param tcpListen   optional "host:port" to also serve plain TCP (tests, -H tcp://); null for none
 * @param bridgeName  the default bridge network's Linux bridge (docker0's counterpart), e.g. wharf0
 * @param bridgeSubnet the default bridge's subnet; null or docker's default 172.17.0.0/16 mean docker's rule:
 *                     172.17.0.0/16 unless another bridge (say a real docker0) holds it, else the next free range
 * @param runtimeBinary the OCI runtime binary (crun or runc), a name on PATH or an absolute path
 */
public record EngineConfig(Path root, Path runDir, Path socket, String tcpListen, String bridgeName,
                           String bridgeSubnet, String runtimeBinary) {
    public EngineConfig {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(runDir, "runDir");
        Objects.requireNonNull(socket, "socket");
        if (bridgeName == null || bridgeName.isBlank() || bridgeName.length() > 15) throw new IllegalArgumentException("bridge name must be 1-15 characters: " + bridgeName);
        if (bridgeSubnet != null && bridgeSubnet.isBlank()) bridgeSubnet = null;
        if (runtimeBinary == null || runtimeBinary.isBlank()) runtimeBinary = "crun";
        if (tcpListen != null && tcpListen.isBlank()) tcpListen = null;
    }

    /** The defaults of a system install. */
    public static EngineConfig defaults() {
        return new EngineConfig(Path.of("/var/lib/wharf"), Path.of("/run/wharf"), Path.of("/run/wharf/docker.sock"), null,
                "wharf0", "172.17.0.0/16", "crun");
    }

    public EngineConfig withTcp(String listen) {
        return new EngineConfig(root, runDir, socket, listen, bridgeName, bridgeSubnet, runtimeBinary);
    }
}
