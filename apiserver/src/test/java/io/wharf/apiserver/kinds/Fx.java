package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ObjectReader;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.ResourceType;
import io.wharf.common.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Test fixtures: objects from YAML, and running a strategy the way the serving core does on create. */
final class Fx {
    private Fx() {}

    static ObjectNode yaml(String y) {
        try {
            return (ObjectNode) Json.YAML.readTree(y);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** decode -> applyDefaults -> prepareForCreate -> validateCreate, as on CREATE. */
    static List<FieldError> create(ResourceStrategy s, ObjectNode o) {
        s.applyDefaults(o);
        s.prepareForCreate(o);
        return s.validateCreate(o);
    }

    static List<String> messages(List<FieldError> errs) {
        return errs.stream().map(FieldError::message).toList();
    }

    static ResourceStrategy strategy(ResourceType t) { return new Kinds().strategyFor(t); }

    /** An in-memory ObjectReader over a list of stored objects. */
    static final class Store implements ObjectReader {
        final List<ObjectNode> objects = new ArrayList<>();

        @Override
        public List<ObjectNode> list(ResourceType type, String namespace) {
            return objects.stream().filter(o -> o.path("kind").asText().equals(type.kind()))
                    .filter(o -> namespace == null || namespace.equals(o.path("metadata").path("namespace").asText()))
                    .map(ObjectNode::deepCopy).toList();
        }

        @Override
        public Optional<ObjectNode> get(ResourceType type, String namespace, String name) {
            return list(type, namespace).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst();
        }
    }
}
