package io.wharf.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/**
 * CONTRACT (serving core -> io.wharf.apiserver.kinds). Read access to stored objects, handed to the strategy hooks that
 * need to see other objects (ClusterIP/NodePort allocation checks every Service; a LimitRange default...).
 * Objects returned are copies the caller may change.
 */
public interface ObjectReader {
    /** Every object of {@code type} in {@code namespace} (null = all namespaces / cluster scope). */
    List<ObjectNode> list(ResourceType type, String namespace);

    /** One object, if present. */
    Optional<ObjectNode> get(ResourceType type, String namespace, String name);
}
