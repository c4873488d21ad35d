package io.wharf.network;

import java.nio.file.Path;
import java.util.List;

/**
 * A container attached to a network: what {@code NetworkSettings.Networks.<name>} and the network's
 * "Containers" map show. Persisted (with the CNI result) so that detach works after a Wharf restart.
 *
 * @param containerId  the container's full ID
 * @param containerName its name (may be null)
 * @param networkId    the network's ID
 * @param networkName  the network's name
 * @param endpointId   64-hex endpoint ID (docker's EndpointID)
 * @param ifName       interface name inside the container ("eth0", "eth1"... in attach order)
 * @param ipAddress    IPv4 address, e.g. 172.17.0.2
 * @param prefixLen    its prefix length, e.g. 16
 * @param gateway      the network's gateway (empty for an internal network: no default route)
 * @param macAddress   the container interface's MAC, lower-case colon form
 * @param dnsNames     names resolvable on this network (name, short ID, aliases); empty on the default bridge
 * @param aliases      the user-given aliases only
 * @param ports        published ports with host ports resolved
 * @param netns        the namespace path it lives in
 */
public record Endpoint(String containerId, String containerName, String networkId, String networkName,
                       String endpointId, String ifName, String ipAddress, int prefixLen, String gateway,
                       String macAddress, List<String> dnsNames, List<String> aliases, List<PortBinding> ports,
                       Path netns) {
    public Endpoint {
        dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        ports = ports == null ? List.of() : List.copyOf(ports);
        if (gateway == null) gateway = "";
    }

    /** {@code ip/prefix}, as docker's network inspect "IPv4Address" shows it. */
    public String ipv4Cidr() {
        return ipAddress + "/" + prefixLen;
    }
}
