package io.wharf.network;

import io.wharf.common.WharfException;

import java.nio.file.Path;
import java.util.List;

/**
 * Connect a container's network namespace to a bridge network (CNI ADD).
 *
 * @param containerId   the container's full ID (the CNI container ID; also the IPAM lease owner)
 * @param containerName the container's name without the leading "/" (registered in the network's DNS on user
 *                      networks, together with the short ID and the aliases); may be null
 * @param network       network ID, unique ID prefix, or name; "bridge" for the default network
 * @param netns         path of the namespace, normally {@link NetworkManager#createSandbox(String)}'s result; for
 *                      {@code --net container:X} the engine does not attach at all and reuses X's path
 * @param aliases       extra DNS names on this network ({@code --network-alias}); ignored on the default bridge
 * @param ports         published ports (only honoured where docker honours them: any bridge network; the engine
 *                      passes them with the first network it attaches)
 * @param ipv4Address   requested address ({@code --ip}), or null for the next free one
 */
public record AttachRequest(String containerId, String containerName, String network, Path netns,
                            List<String> aliases, List<PortBinding> ports, String ipv4Address) {
    public AttachRequest {
        if (containerId == null || containerId.isBlank()) throw WharfException.invalid("container id must not be empty");
        if (network == null || network.isBlank()) throw WharfException.invalid("network must not be empty");
        if (netns == null) throw WharfException.invalid("netns path must be given");
        if (containerName != null && containerName.startsWith("/")) containerName = containerName.substring(1);
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        ports = ports == null ? List.of() : List.copyOf(ports);
        if (ipv4Address != null && ipv4Address.isEmpty()) ipv4Address = null;
        if (ipv4Address != null) Cidr.parseIp(ipv4Address);
    }

    public static AttachRequest of(String containerId, String containerName, String network, Path netns, List<PortBinding> ports) {
        return new AttachRequest(containerId, containerName, network, netns, List.of(), ports, null);
    }
}
