package io.wharf.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * CONTRACT (serving core <-> io.wharf.apiserver.kinds): the per-kind logic of one {@link ResourceType}, after
 * k8s.io/apiserver's rest.RESTCreateStrategy / RESTUpdateStrategy / TableConvertor. Every method has a default, so a kind
 * with no special logic uses {@link #DEFAULT}. Objects are Jackson {@link ObjectNode}s in the wire (JSON) form, with
 * apiVersion and kind set; unknown fields must be left alone (they round-trip). Implementations must be thread-safe and
 * must not keep references to the nodes they are given.
 *
 * <p>What the SERVING CORE does itself, for every kind (do not repeat it in a strategy):
 * metadata.name / generateName (and name syntax by the strategy's {@link #nameRule()}, once; a strategy may add
 * further name checks, e.g. CronJob's 52 characters, but must not repeat the rule),
 * namespace presence/termination, uid, creationTimestamp, resourceVersion, generation (1 at create; +1 when anything outside
 * metadata and status changes), managedFields, deletionTimestamp/finalizers, label and annotation syntax validation,
 * copying status from the old object on a main-resource update and everything but status on a /status update
 * (for types that have a status subresource), optimistic concurrency, field selectors on metadata.name/metadata.namespace.
 *
 * <p>Order of calls on CREATE: decode -> {@link #applyDefaults} -> {@link #prepareForCreate} -> {@link #validateCreate}
 * -> {@link #allocate} -> store. On UPDATE / PATCH (the patch is applied to the stored object first):
 * {@link #applyDefaults} -> {@link #prepareForUpdate} -> {@link #validateUpdate} -> {@link #allocate} -> store.
 * On DELETE (when the object is finally removed): {@link #release}. A /status write calls {@link #prepareForStatusUpdate}
 * instead of prepareForUpdate, then validateUpdate.
 */
public interface ResourceStrategy {

    /** A strategy with no special logic: no defaults, no validation beyond the core's, Name + Created At columns. */
    ResourceStrategy DEFAULT = new ResourceStrategy() {};

    /**
     * The syntax rule of metadata.name, applied by the core on create and update (Kubernetes' nameFn of
     * ValidateObjectMeta). Default: DNS-1123 subdomain.
     */
    default NameRule nameRule() { return NameRule.DNS_SUBDOMAIN; }

    /**
     * True when {@link #allocate} takes values from a pool shared by all objects of the type (Service clusterIPs and
     * nodePorts): the core then runs allocate and the store write of that type one at a time, so two creates cannot take
     * the same value. False (the default) lets creates of the type run in parallel; allocate may still read
     * {@code objects} (Pod reads PriorityClasses and LimitRanges) but must not rely on exclusion.
     */
    default boolean allocatesFromSharedPool() { return false; }

    /** Fills defaults in place, as the Kubernetes defaulters do (Pod restartPolicy, Service type, Deployment replicas...). */
    default void applyDefaults(ObjectNode obj) {}

    /** Clears fields a client may not set at create (e.g. status for most kinds) — in place. */
    default void prepareForCreate(ObjectNode obj) {}

    /** Adjusts a main-resource update in place, e.g. keeps immutable fields, clears derived status. {@code old} is read-only. */
    default void prepareForUpdate(ObjectNode newObj, ObjectNode old) {}

    /** Adjusts a /status update in place (the core already restored everything outside status from {@code old}). */
    default void prepareForStatusUpdate(ObjectNode newObj, ObjectNode old) {}

    /** Field errors of a new object (after defaulting). Empty = valid. */
    default List<FieldError> validateCreate(ObjectNode obj) { return List.of(); }

    /** Field errors of an update (immutable fields, ...). {@code old} is the stored object. Empty = valid. */
    default List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode old) { return List.of(); }

    /**
     * Allocates what the object needs from shared pools (Service clusterIP from 10.96.0.0/12, nodePorts 30000-32767) and
     * writes it into {@code newObj}; {@code old} is null on create. Conflicts: throw
     * {@code WharfException(INVALID_ARGUMENT, ...)} or return field errors ("provided port is already allocated").
     * When {@link #allocatesFromSharedPool()} is true the core calls allocate for one type under a lock, so two creates
     * cannot take the same value; {@code objects} sees the committed state (use it to find values in use; no separate
     * bitmap needs to be kept).
     */
    default List<FieldError> allocate(ObjectNode newObj, ObjectNode old, ObjectReader objects) { return List.of(); }

    /** Returns what {@link #allocate} took, when the object is removed. Nothing to do when allocation scans {@code objects}. */
    default void release(ObjectNode obj) {}

    /**
     * Columns of the Table (kubectl get). The first should be {@link TableColumn#NAME}. Default: Name, Created At,
     * which is what real Kubernetes serves for kinds without printers.
     */
    default List<TableColumn> tableColumns() {
        return List.of(TableColumn.NAME, new TableColumn("Created At", "date", "",
                "CreationTimestamp is a timestamp representing the server time when this object was created.", 0));
    }

    /**
     * The cells of one row, one per {@link #tableColumns()} entry, in order: String, Long/Integer, Boolean, Double, or null.
     * Default: name and creationTimestamp.
     */
    default List<Object> tableRow(ObjectNode obj) {
        List<Object> row = new ArrayList<>();
        row.add(obj.path("metadata").path("name").asText(""));
        row.add(obj.path("metadata").path("creationTimestamp").asText(""));
        return row;
    }

    /**
     * Extra field paths usable in fieldSelector, beyond metadata.name and metadata.namespace (always supported), in
     * dotted JSON form: "spec.nodeName", "status.phase", "involvedObject.name", "type". The core reads the value at the
     * path (missing = ""), so nothing else is needed. A selector on a path not listed is a 400 as in Kubernetes.
     */
    default List<String> selectableFields() { return List.of(); }

    /**
     * Strategic merge patch: the merge key of the list at {@code fieldPath} (field names from the object root, list
     * indices left out, e.g. ["spec","template","spec","containers"]), or null when the list is replaced whole (atomic).
     * The default knows the common built-in lists (see {@link #commonPatchMergeKey}).
     */
    default String patchMergeKey(List<String> fieldPath) { return commonPatchMergeKey(fieldPath); }

    // ---- helpers for implementations -------------------------------------------------------------------------------

    /** The merge keys of k8s.io/api that kubectl's patches rely on (kubectl-wire.md section 6). */
    static String commonPatchMergeKey(List<String> path) {
        if (path.isEmpty()) return null;
        String last = path.getLast();
        String parent = path.size() >= 2 ? path.get(path.size() - 2) : "";
        return switch (last) {
            case "containers", "initContainers", "ephemeralContainers", "env", "volumes", "imagePullSecrets",
                 "secrets" -> "name";
            case "ports" -> parent.equals("spec") ? "port" : "containerPort"; // Service spec.ports vs container ports
            case "volumeMounts" -> "mountPath";
            case "volumeDevices" -> "devicePath";
            case "conditions" -> "type";
            case "ownerReferences" -> "uid";
            case "hostAliases" -> "ip";
            case "topologySpreadConstraints" -> "topologyKey";
            case "resourceClaims" -> "name";
            default -> null;
        };
    }

    /** "5s", "3m", "2h3m", "4d", the AGE cell as kubectl's duration.HumanDuration prints it. */
    static String age(JsonNode obj) {
        String ts = obj.path("metadata").path("creationTimestamp").asText("");
        if (ts.isEmpty()) return "<unknown>";
        try {
            return humanDuration(Duration.between(Instant.parse(ts), Instant.now()));
        } catch (DateTimeParseException e) {
            return "<invalid>";
        }
    }

    /** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
    static String humanDuration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return seconds + "s";
        long minutes = seconds / 60;
        if (minutes < 10) { long s = seconds % 60; return s == 0 ? minutes + "m" : minutes + "m" + s + "s"; }
        if (minutes < 60 * 3) return minutes + "m";
        long hours = minutes / 60;
        if (hours < 8) { long m = minutes % 60; return m == 0 ? hours + "h" : hours + "h" + m + "m"; }
        if (hours < 48) return hours + "h";
        if (hours < 24 * 8) { long h = hours % 24; return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h"; }
        if (hours < 24 * 365 * 2) return hours / 24 + "d";
        if (hours < 24 * 365 * 8) { long dy = (hours / 24) % 365; return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d"; }
        return hours / 24 / 365 + "y";
    }
}
