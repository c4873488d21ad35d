package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Storage kinds: core/v1 PersistentVolume and PersistentVolumeClaim, storage.k8s.io/v1 StorageClass, CSINode, CSIDriver
 * and VolumeAttachment (defaults of pkg/apis/core/v1/defaults.go and pkg/apis/storage/v1/defaults.go, a minimal part of
 * their validation, and the columns of pkg/printers/internalversion/printers.go as of Kubernetes 1.31). Served as stored
 * objects only: no PV binder, provisioner or attach/detach controller acts on them.
 */
final class StorageKinds {
    private StorageKinds() {}

    static final List<String> ACCESS_MODES = List.of("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod");
    static final List<String> VOLUME_MODES = List.of("Block", "Filesystem");
    static final List<String> PV_RECLAIM_POLICIES = List.of("Delete", "Recycle", "Retain");

    /** The volume sources of a PersistentVolumeSpec (exactly one must be set). */
    static final List<String> PV_SOURCES = List.of("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc",
            "flexVolume", "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk",
            "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume");

    static List<Object> nameRow(ObjectNode o) {
        List<Object> row = new ArrayList<>();
        row.add(Printing.name(o));
        return row;
    }

    static boolean set(JsonNode parent, String field) {
        JsonNode v = parent.get(field);
        return v != null && !v.isNull();
    }

    /** helper.GetAccessModesAsString: the short forms in the fixed order RWO, ROX, RWX, RWOP. */
    static String accessModes(JsonNode modes) {
        List<String> have = new ArrayList<>();
        for (JsonNode m : modes) have.add(m.asText());
        List<String> out = new ArrayList<>();
        if (have.contains("ReadWriteOnce")) out.add("RWO");
        if (have.contains("ReadOnlyMany")) out.add("ROX");
        if (have.contains("ReadWriteMany")) out.add("RWX");
        if (have.contains("ReadWriteOncePod")) out.add("RWOP");
        return String.join(",", out);
    }

    /** resource.Quantity.String() of a storage amount: canonical form, "0" when absent. */
    static String quantity(JsonNode q) {
        if (q == null || q.isNull() || q.asText().isEmpty()) return "0";
        return Quantity.isValid(q.asText()) ? Quantity.parse(q.asText()).toString() : q.asText();
    }

    static void accessModesValid(JsonNode spec, String path, Check c) {
        JsonNode modes = spec.path("accessModes");
        if (modes.isEmpty()) { c.required(path, "at least 1 access mode is required"); return; }
        boolean rwop = false;
        for (JsonNode m : modes) {
            if (!ACCESS_MODES.contains(m.asText())) c.notSupported(path, m.asText(), ACCESS_MODES);
            if (m.asText().equals("ReadWriteOncePod")) rwop = true;
        }
        if (rwop && modes.size() > 1) c.forbidden(path, "may not use ReadWriteOncePod with other access modes");
    }

    static void volumeModeValid(JsonNode spec, String path, Check c) {
        if (set(spec, "volumeMode") && !VOLUME_MODES.contains(Nodes.text(spec, "volumeMode")))
            c.notSupported(path, Nodes.text(spec, "volumeMode"), VOLUME_MODES);
    }

    static String phase(ObjectNode o) {
        return o.path("metadata").has("deletionTimestamp") && !o.path("metadata").get("deletionTimestamp").isNull()
                ? "Terminating" : Nodes.text(o.path("status"), "phase");
    }

    static String orUnset(JsonNode parent, String field) { return set(parent, field) ? Nodes.text(parent, field) : "<unset>"; }

    // ------------------------------------------------------------------------------------------------ PersistentVolume
    static final class PersistentVolumeStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            Nodes.defaultText(spec, "persistentVolumeReclaimPolicy", "Retain");
            Nodes.defaultText(spec, "volumeMode", "Filesystem");
            ObjectNode hp = Nodes.objOrNull(spec, "hostPath");
            if (hp != null) Nodes.defaultText(hp, "type", "");
        }

        /** persistentvolume strategy: a new PV starts Pending, its phase transition stamped now. */
        @Override
        public void prepareForCreate(ObjectNode obj) {
            ObjectNode st = obj.putObject("status");
            st.put("phase", "Pending");
            st.put("lastPhaseTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            accessModesValid(spec, "spec.accessModes", c);
            JsonNode cap = spec.get("capacity");
            if (cap == null || cap.isNull() || cap.isEmpty()) c.required("spec.capacity", "");
            else {
                if (!cap.has("storage") || cap.size() != 1) c.notSupported("spec.capacity", String.join(",", fieldNames(cap)), List.of("storage"));
                CoreKinds.quantities(cap, "spec.capacity", c);
            }
            String rp = Nodes.text(spec, "persistentVolumeReclaimPolicy");
            if (!PV_RECLAIM_POLICIES.contains(rp)) c.notSupported("spec.persistentVolumeReclaimPolicy", rp, PV_RECLAIM_POLICIES);
            int sources = 0;
            for (String s : PV_SOURCES) if (set(spec, s)) sources++;
            if (sources == 0) c.required("spec", "must specify a volume type");
            else if (sources > 1) c.forbidden("spec", "may not specify more than 1 volume type");
            String sc = Nodes.text(spec, "storageClassName");
            if (!sc.isEmpty()) c.each("spec.storageClassName", sc, Names.isDNS1123Subdomain(sc));
            volumeModeValid(spec, "spec.volumeMode", c);
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (!n.path("spec").path("volumeMode").equals(o.path("spec").path("volumeMode")))
                errs.add(FieldError.invalid("spec.volumeMode", n.path("spec").get("volumeMode"), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
                    Printing.col("Access Modes", "string", "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
                    Printing.col("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
                    Printing.col("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
                    Printing.col("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
                    Printing.col("StorageClass", "string", "StorageClass of the pv"),
                    Printing.col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
                    Printing.col("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
                    TableColumn.AGE,
                    Printing.wide("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec."));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec");
            List<Object> row = nameRow(o);
            row.add(quantity(spec.path("capacity").get("storage")));
            row.add(accessModes(spec.path("accessModes")));
            row.add(Nodes.text(spec, "persistentVolumeReclaimPolicy"));
            row.add(phase(o));
            JsonNode ref = spec.get("claimRef");
            row.add(ref == null || ref.isNull() ? "" : Nodes.text(ref, "namespace") + "/" + Nodes.text(ref, "name"));
            row.add(storageClassOf(o, spec));
            row.add(orUnset(spec, "volumeAttributesClassName"));
            row.add(Nodes.text(o.path("status"), "reason"));
            row.add(Printing.age(o));
            row.add(orUnset(spec, "volumeMode"));
            return row;
        }

        @Override public List<String> selectableFields() { return List.of("status.phase"); }
    }

    /** GetPersistentVolumeClass / GetPersistentVolumeClaimClass: the beta annotation wins over storageClassName. */
    static String storageClassOf(ObjectNode o, JsonNode spec) {
        JsonNode ann = o.path("metadata").path("annotations").get("volume.beta.kubernetes.io/storage-class");
        if (ann != null && !ann.isNull()) return ann.asText();
        return Nodes.text(spec, "storageClassName");
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ PersistentVolumeClaim
    static final class PersistentVolumeClaimStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            Nodes.defaultText(Nodes.obj(obj, "spec"), "volumeMode", "Filesystem");
            CoreKinds.canonical(Nodes.objOrNull(obj.path("spec").path("resources"), "requests"));
            CoreKinds.canonical(Nodes.objOrNull(obj.path("spec").path("resources"), "limits"));
        }

        /** persistentvolumeclaim strategy: status is the binder's; a new claim starts Pending (SetDefaults). */
        @Override public void prepareForCreate(ObjectNode obj) { obj.putObject("status").put("phase", "Pending"); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            accessModesValid(spec, "spec.accessModes", c);
            JsonNode storage = spec.path("resources").path("requests").get("storage");
            if (storage == null || storage.isNull()) c.required("spec.resources[storage]", "");
            else if (Quantity.isValid(storage.asText()) && Quantity.parse(storage.asText()).signum() <= 0)
                c.invalid("spec.resources[storage]", storage.asText(), "must be greater than zero");
            CoreKinds.quantities(spec.path("resources").get("requests"), "spec.resources.requests", c);
            CoreKinds.quantities(spec.path("resources").get("limits"), "spec.resources.limits", c);
            c.labelSelector(spec.get("selector"), "spec.selector");
            String sc = Nodes.text(spec, "storageClassName");
            if (!sc.isEmpty()) c.each("spec.storageClassName", sc, Names.isDNS1123Subdomain(sc));
            volumeModeValid(spec, "spec.volumeMode", c);
            return c.done();
        }

        /** ValidatePersistentVolumeClaimUpdate: the spec is immutable after creation except resources.requests and volumeName binding. */
        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            ObjectNode ns = n.path("spec").deepCopy(), os = o.path("spec").deepCopy();
            for (ObjectNode s : List.of(ns, os)) {
                s.remove("resources");
                s.remove("volumeAttributesClassName");
            }
            if (os.path("volumeName").asText("").isEmpty()) { ns.remove("volumeName"); os.remove("volumeName"); }
            if (!ns.equals(os))
                errs.add(FieldError.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
                    Printing.col("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
                    Printing.col("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
                    Printing.col("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
                    Printing.col("StorageClass", "string", "StorageClass of the pvc"),
                    Printing.col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
                    TableColumn.AGE,
                    Printing.wide("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec."));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = nameRow(o);
            row.add(phase(o));
            String volume = Nodes.text(spec, "volumeName");
            row.add(volume);
            // printPersistentVolumeClaim shows capacity and modes only once the claim names its volume.
            row.add(volume.isEmpty() ? "" : quantity(st.path("capacity").get("storage")));
            row.add(volume.isEmpty() ? "" : accessModes(st.path("accessModes")));
            row.add(storageClassOf(o, spec));
            row.add(orUnset(spec, "volumeAttributesClassName"));
            row.add(Printing.age(o));
            row.add(orUnset(spec, "volumeMode"));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ StorageClass
    static final class StorageClassStrategy implements ResourceStrategy {
        static final List<String> RECLAIM = List.of("Delete", "Retain");
        static final List<String> BINDING_MODES = List.of("Immediate", "WaitForFirstConsumer");

        @Override
        public void applyDefaults(ObjectNode obj) {
            Nodes.defaultText(obj, "reclaimPolicy", "Delete");
            Nodes.defaultText(obj, "volumeBindingMode", "Immediate");
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            String prov = Nodes.text(obj, "provisioner");
            if (prov.isEmpty()) c.required("provisioner", "");
            else {
                if (prov.length() > 63) c.add(FieldError.tooLong("provisioner", 63));
                c.each("provisioner", prov, Names.isQualifiedName(prov.toLowerCase()));
            }
            String rp = Nodes.text(obj, "reclaimPolicy");
            if (!RECLAIM.contains(rp)) c.notSupported("reclaimPolicy", rp, RECLAIM);
            String bm = Nodes.text(obj, "volumeBindingMode");
            if (!BINDING_MODES.contains(bm)) c.notSupported("volumeBindingMode", bm, BINDING_MODES);
            return c.done();
        }

        /** ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and volumeBindingMode are fixed at creation. */
        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (!n.path("parameters").equals(o.path("parameters"))) errs.add(FieldError.forbidden("parameters", "updates to parameters are forbidden."));
            if (!Nodes.text(n, "provisioner").equals(Nodes.text(o, "provisioner"))) errs.add(FieldError.forbidden("provisioner", "updates to provisioner are forbidden."));
            if (!Nodes.text(n, "reclaimPolicy").equals(Nodes.text(o, "reclaimPolicy"))) errs.add(FieldError.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
            if (!Nodes.text(n, "volumeBindingMode").equals(Nodes.text(o, "volumeBindingMode")))
                errs.add(FieldError.invalid("volumeBindingMode", n.get("volumeBindingMode"), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Provisioner", "string", "provisioner indicates the type of the provisioner."),
                    Printing.col("ReclaimPolicy", "string", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
                    Printing.col("VolumeBindingMode", "string", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
                    Printing.col("AllowVolumeExpansion", "string", "allowVolumeExpansion shows whether the storage class allow volume expand."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = new ArrayList<>();
            JsonNode ann = o.path("metadata").path("annotations");
            boolean isDefault = ann.path("storageclass.kubernetes.io/is-default-class").asText("").equals("true")
                    || ann.path("storageclass.beta.kubernetes.io/is-default-class").asText("").equals("true");
            row.add(Printing.name(o) + (isDefault ? " (default)" : ""));
            row.add(Nodes.text(o, "provisioner"));
            row.add(set(o, "reclaimPolicy") ? Nodes.text(o, "reclaimPolicy") : "Delete");
            row.add(set(o, "volumeBindingMode") ? Nodes.text(o, "volumeBindingMode") : "Immediate");
            row.add(o.path("allowVolumeExpansion").asBoolean(false));
            row.add(Printing.age(o));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ CSINode
    static final class CSINodeStrategy implements ResourceStrategy {
        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode drivers = obj.path("spec").path("drivers");
            for (int i = 0; i < drivers.size(); i++) {
                JsonNode d = drivers.path(i);
                String p = "spec.drivers[" + i + "]";
                if (Nodes.text(d, "name").isEmpty()) c.required(p + ".name", "");
                if (Nodes.text(d, "nodeID").isEmpty()) c.required(p + ".nodeID", "");
                c.nonNegative(d.path("allocatable"), "count", p + ".allocatable.count");
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Drivers", "integer", "Drivers indicates the number of CSI drivers registered on the node"),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add((long) o.path("spec").path("drivers").size());
            row.add(Printing.age(o));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ CSIDriver
    static final class CSIDriverStrategy implements ResourceStrategy {
        static final List<String> FS_GROUP_POLICIES = List.of("File", "None", "ReadWriteOnceWithFSType");
        static final List<String> LIFECYCLE_MODES = List.of("Ephemeral", "Persistent");

        /** SetDefaults_CSIDriver. */
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            Nodes.defaultBool(spec, "attachRequired", true);
            Nodes.defaultBool(spec, "podInfoOnMount", false);
            Nodes.defaultBool(spec, "storageCapacity", false);
            Nodes.defaultText(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
            Nodes.defaultBool(spec, "requiresRepublish", false);
            if (Nodes.arrOrNull(spec, "volumeLifecycleModes") == null || spec.get("volumeLifecycleModes").isEmpty())
                spec.putArray("volumeLifecycleModes").add("Persistent");
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            String name = Nodes.meta(obj, "name");
            if (name.length() > 63) c.add(FieldError.tooLong("metadata.name", 63));
            JsonNode spec = obj.path("spec");
            String fs = Nodes.text(spec, "fsGroupPolicy");
            if (!FS_GROUP_POLICIES.contains(fs)) c.notSupported("spec.fsGroupPolicy", fs, FS_GROUP_POLICIES);
            for (JsonNode m : spec.path("volumeLifecycleModes"))
                if (!LIFECYCLE_MODES.contains(m.asText())) c.notSupported("spec.volumeLifecycleModes", m.asText(), LIFECYCLE_MODES);
            return c.done();
        }

        /** ValidateCSIDriverUpdate: attachRequired, fsGroupPolicy and volumeLifecycleModes are immutable. */
        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            for (String f : List.of("attachRequired", "fsGroupPolicy", "volumeLifecycleModes"))
                if (!n.path("spec").path(f).equals(o.path("spec").path(f)))
                    errs.add(FieldError.invalid("spec." + f, n.path("spec").get(f), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("AttachRequired", "boolean", "attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting."),
                    Printing.col("PodInfoOnMount", "boolean", "podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true."),
                    Printing.col("StorageCapacity", "boolean", "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true."),
                    Printing.col("TokenRequests", "string", "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication."),
                    Printing.col("RequiresRepublish", "boolean", "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume."),
                    Printing.col("Modes", "string", "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec");
            List<Object> row = nameRow(o);
            row.add(spec.path("attachRequired").asBoolean(true));
            row.add(spec.path("podInfoOnMount").asBoolean(false));
            row.add(spec.path("storageCapacity").asBoolean(false));
            List<String> tokens = new ArrayList<>();
            for (JsonNode t : spec.path("tokenRequests")) tokens.add(Nodes.text(t, "audience"));
            row.add(tokens.isEmpty() ? "<unset>" : String.join(",", tokens));
            row.add(spec.path("requiresRepublish").asBoolean(false));
            List<String> modes = new ArrayList<>();
            for (JsonNode m : spec.path("volumeLifecycleModes")) modes.add(m.asText());
            row.add(modes.isEmpty() ? "<none>" : String.join(",", modes));
            row.add(Printing.age(o));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ VolumeAttachment
    static final class VolumeAttachmentStrategy implements ResourceStrategy {
        @Override public void prepareForCreate(ObjectNode obj) { obj.putObject("status").put("attached", false); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            String attacher = Nodes.text(spec, "attacher");
            if (attacher.isEmpty()) c.required("spec.attacher", "");
            if (Nodes.text(spec, "nodeName").isEmpty()) c.required("spec.nodeName", "");
            JsonNode src = spec.path("source");
            boolean pv = set(src, "persistentVolumeName"), inline = set(src, "inlineVolumeSpec");
            if (pv == inline) c.required("spec.source", "must specify exactly one of persistentVolumeName and inlineVolumeSpec");
            return c.done();
        }

        /** ValidateVolumeAttachmentUpdate: the spec is immutable. */
        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (!n.path("spec").equals(o.path("spec"))) errs.add(FieldError.invalid("spec", Nodes.raw("storage.VolumeAttachmentSpec{...}"), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    new TableColumn("Attacher", "string", "name", "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().", 0),
                    Printing.col("PV", "string", "persistentVolumeName represents the name of the persistent volume to attach."),
                    Printing.col("Node", "string", "nodeName represents the node that the volume should be attached to."),
                    Printing.col("Attached", "boolean", "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec");
            List<Object> row = nameRow(o);
            row.add(Nodes.text(spec, "attacher"));
            row.add(Nodes.text(spec.path("source"), "persistentVolumeName"));
            row.add(Nodes.text(spec, "nodeName"));
            row.add(o.path("status").path("attached").asBoolean(false));
            row.add(Printing.age(o));
            return row;
        }
    }
}
