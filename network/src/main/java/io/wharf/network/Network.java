package io.wharf.network;

import io.wharf.common.WharfException;

import java.time.Instant;
import java.util.Map;

/**
 * A network as {@code docker network inspect} shows it (without the live "Containers" part: see
 * {@link NetworkManager#endpoints(String)}). Persisted as JSON under {@code <root>/networks/<id>.json}.
 *
 * @param id       64 lower-case hex characters (docker's network ID)
 * @param name     unique name ("bridge", "host", "none" are predefined)
 * @param driver   "bridge", "host" or "null" (docker's driver names; "none" uses the "null" driver)
 * @param created  creation time
 * @param subnet   IPv4 subnet; null for host/none
 * @param gateway  gateway address (the bridge's address); null for host/none
 * @param bridge   the Linux bridge device name ("wharf0" for the default network, "wbr-<id11>" for user
 *                 networks); null for host/none
 * @param internal no outbound connectivity (no masquerade, no default route, forwarding off the bridge dropped)
 * @param userDefined false for the three predefined networks; name resolution (embedded DNS) only on user-defined
 *                 bridge networks, as docker does
 * @param labels   user labels
 * @param options  driver options as given at create (reported back unchanged)
 */
public record Network(String id, String name, String driver, Instant created, String subnet, String gateway,
                      String bridge, boolean internal, boolean userDefined, Map<String, String> labels,
                      Map<String, String> options) {
    public static final String BRIDGE = "bridge";
    public static final String HOST = "host";
    public static final String NONE = "none";

    public Network {
        if (id == null || !id.matches("[0-9a-f]{64}")) throw WharfException.invalid("invalid network id %s", id);
        if (name == null || name.isEmpty()) throw WharfException.invalid("network name must not be empty");
        if (driver == null) driver = "bridge";
        if (created == null) created = Instant.now();
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        options = options == null ? Map.of() : Map.copyOf(options);
        if (subnet != null) Cidr.parse(subnet);
        if (gateway != null) Cidr.parseIp(gateway);
    }

    /** Docker's scope for all of these. */
    public String scope() {
        return "local";
    }

    /** True for a bridge-driver network (the only kind one can attach a netns to via CNI). */
    public boolean usesBridgeDriver() {
        return driver.equals("bridge");
    }

    /** The subnet as a value, or null. */
    public Cidr cidr() {
        return subnet == null ? null : Cidr.parse(subnet);
    }

    /** Prefix length of the subnet, or 0. */
    public int prefixLength() {
        return subnet == null ? 0 : Cidr.parse(subnet).prefix();
    }

    /** Short (12-character) ID, as {@code docker network ls} prints it. */
    public String shortId() {
        return id.substring(0, 12);
    }
}
