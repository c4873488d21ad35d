package io.wharf.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * The persisted record of one CNI ADD: the endpoint as reported, plus exactly what DEL and CHECK need to replay the
 * same chain (plugin configurations, CNI_ARGS, capability arguments, the network name given to CNI) and the cached
 * ADD result passed to them as prevResult (CNI spec §"Caching"). Stored at
 * {@code <root>/endpoints/<containerId>/<networkId>.json}.
 */
record Attachment(Endpoint endpoint, String cniNetworkName, List<ObjectNode> plugins, String cniArgs,
                  Map<String, Object> capabilityArgs, JsonNode result) {
    Attachment {
        plugins = List.copyOf(plugins);
        capabilityArgs = capabilityArgs == null ? Map.of() : Map.copyOf(capabilityArgs);
    }
}
