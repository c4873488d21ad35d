package io.wharf.network;

import io.wharf.common.WharfException;

/**
 * Docker's {@code HostConfig.NetworkMode}, parsed. {@code ""} and {@code "default"} mean the default bridge.
 * <ul>
 *   <li>{@link Bridge}: create a sandbox ({@link NetworkManager#createSandbox}) and attach it to the named network</li>
 *   <li>{@link Host}: no network namespace in the OCI spec; resolv.conf/hosts from the host
 *       ({@link NetworkManager#hostResolvConf()}, {@code /etc/hosts})</li>
 *   <li>{@link None}: a sandbox with loopback only, no attach</li>
 *   <li>{@link Container}: no sandbox of its own; the OCI spec's network namespace path is the other container's
 *       sandbox path ({@link NetworkManager#sandboxPath}), and its resolv.conf/hosts are reused</li>
 * </ul>
 */
public sealed interface NetworkMode {
    record Bridge(String network) implements NetworkMode {}
    record Host() implements NetworkMode {}
    record None() implements NetworkMode {}
    record Container(String container) implements NetworkMode {}

    static NetworkMode parse(String mode) {
        if (mode == null || mode.isEmpty() || mode.equals("default") || mode.equals("bridge")) return new Bridge("bridge");
        if (mode.equals("host")) return new Host();
        if (mode.equals("none")) return new None();
        if (mode.startsWith("container:")) {
            String c = mode.substring("container:".length());
            if (c.isEmpty()) throw WharfException.invalid("invalid network mode: %s", mode);
            return new Container(c);
        }
        return new Bridge(mode);
    }
}
