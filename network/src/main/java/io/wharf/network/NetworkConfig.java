package io.wharf.network;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the network module keeps its state and which host parts it drives.
 *
 * @param root                 state root (networks/, endpoints/, ipam/ = host-local's dataDir); default
 *                             /var/lib/wharf/network
 * @param netnsDir             where sandboxes are bind-mounted; default /run/wharf/netns
 * @param cniPath              directories searched for CNI plugins; default /usr/lib/cni, /opt/cni/bin
 * @param defaultBridgeName    Linux bridge of the default "bridge" network; default "wharf0" (never docker0: a real
 *                             dockerd may run beside Wharf)
 * @param defaultBridgeSubnet  subnet of the default network, or null for "172.17.0.0/16 unless taken, else the
 *                             next free 172.N.0.0/16" (docker's rule); decided once and persisted
 * @param defaultBridgeGateway gateway of the default network, or null for the subnet's first host
 * @param resolvConf           the host's resolver file; default /etc/resolv.conf
 * @param userBridgePrefix     prefix of user networks' bridge device names; default "wbr-" (+ the ID's first hex digits up to 15 characters)
 * @param embeddedDns          run the embedded DNS server on user-defined networks (default true)
 * @param createDefaultNetworks create bridge/host/none at start (default true; tests may turn it off)
 */
public record NetworkConfig(Path root, Path netnsDir, List<Path> cniPath, String defaultBridgeName,
                            String defaultBridgeSubnet, String defaultBridgeGateway, Path resolvConf,
                            String userBridgePrefix, boolean embeddedDns, boolean createDefaultNetworks) {
    public NetworkConfig {
        if (root == null) root = Path.of("/var/lib/wharf/network");
        if (netnsDir == null) netnsDir = Path.of("/run/wharf/netns");
        if (cniPath == null || cniPath.isEmpty()) cniPath = List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
        cniPath = List.copyOf(cniPath);
        if (defaultBridgeName == null || defaultBridgeName.isEmpty()) defaultBridgeName = "wharf0";
        if (defaultBridgeName.length() > 15) throw new IllegalArgumentException("bridge name too long: " + defaultBridgeName);
        if (defaultBridgeSubnet != null) Cidr.parse(defaultBridgeSubnet);
        if (resolvConf == null) resolvConf = Path.of("/etc/resolv.conf");
        if (userBridgePrefix == null) userBridgePrefix = "wbr-";
        if (userBridgePrefix.length() > 7) // Linux limits device names to 15 characters; the rest is the ID
            throw new IllegalArgumentException("userBridgePrefix longer than 7 characters leaves too little room for the ID");
    }

    /** All defaults. */
    public static NetworkConfig defaults() {
        return new NetworkConfig(null, null, null, null, null, null, null, null, true, true);
    }

    /** Defaults with another state root and netns directory (for tests and `wharf --root`). */
    public static NetworkConfig under(Path root, Path netnsDir) {
        return new NetworkConfig(root, netnsDir, null, null, null, null, null, null, true, true);
    }

    public NetworkConfig withDefaultBridge(String name, String subnet, String gateway) {
        return new NetworkConfig(root, netnsDir, cniPath, name, subnet, gateway, resolvConf, userBridgePrefix, embeddedDns, createDefaultNetworks);
    }

    public NetworkConfig withUserBridgePrefix(String prefix) {
        return new NetworkConfig(root, netnsDir, cniPath, defaultBridgeName, defaultBridgeSubnet, defaultBridgeGateway, resolvConf, prefix, embeddedDns, createDefaultNetworks);
    }

    public NetworkConfig withoutDefaultNetworks() {
        return new NetworkConfig(root, netnsDir, cniPath, defaultBridgeName, defaultBridgeSubnet, defaultBridgeGateway, resolvConf, userBridgePrefix, embeddedDns, false);
    }
}
