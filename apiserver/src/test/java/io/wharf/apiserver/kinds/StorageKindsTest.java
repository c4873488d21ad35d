package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** PersistentVolume, PersistentVolumeClaim, StorageClass, CSI kinds, ReplicationController and PodDisruptionBudget. */
class StorageKindsTest {
    final ResourceStrategy pvs = Fx.strategy(BuiltinTypes.PERSISTENTVOLUMES);
    final ResourceStrategy pvcs = Fx.strategy(BuiltinTypes.PERSISTENTVOLUMECLAIMS);
    final ResourceStrategy scs = Fx.strategy(BuiltinTypes.STORAGECLASSES);
    final ResourceStrategy csiNodes = Fx.strategy(BuiltinTypes.CSINODES);
    final ResourceStrategy csiDrivers = Fx.strategy(BuiltinTypes.CSIDRIVERS);
    final ResourceStrategy attachments = Fx.strategy(BuiltinTypes.VOLUMEATTACHMENTS);
    final ResourceStrategy rcs = Fx.strategy(BuiltinTypes.REPLICATIONCONTROLLERS);
    final ResourceStrategy pdbs = Fx.strategy(BuiltinTypes.PODDISRUPTIONBUDGETS);

    static List<String> names(ResourceStrategy s) { return s.tableColumns().stream().filter(c -> c.priority() == 0).map(TableColumn::name).toList(); }

    @Test
    void persistentVolumeDefaultsValidationAndColumns() {
        ObjectNode pv = Fx.yaml("""
                {apiVersion: v1, kind: PersistentVolume, metadata: {name: pv0001},
                 spec: {capacity: {storage: 5Gi}, accessModes: [ReadWriteMany, ReadWriteOnce], storageClassName: slow, hostPath: {path: /data}}}
                """);
        assertEquals(List.of(), Fx.create(pvs, pv));
        assertEquals("Retain", pv.at("/spec/persistentVolumeReclaimPolicy").asText());
        assertEquals("Filesystem", pv.at("/spec/volumeMode").asText());
        assertEquals("Pending", pv.at("/status/phase").asText());
        assertEquals(List.of("Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age"), names(pvs));
        List<Object> row = pvs.tableRow(pv);
        assertEquals(List.of("pv0001", "5Gi", "RWO,RWX", "Retain", "Pending", "", "slow", "<unset>", ""), row.subList(0, 9));
        assertEquals("Filesystem", row.get(10));
        ((ObjectNode) pv.get("spec")).putObject("claimRef").put("namespace", "ns1").put("name", "data");
        assertEquals("ns1/data", pvs.tableRow(pv).get(5));

        ObjectNode bad = Fx.yaml("{apiVersion: v1, kind: PersistentVolume, metadata: {name: b}, spec: {persistentVolumeReclaimPolicy: Keep}}");
        assertEquals(List.of("spec.accessModes: Required value: at least 1 access mode is required",
                        "spec.capacity: Required value",
                        "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\"",
                        "spec: Required value: must specify a volume type"),
                Fx.messages(Fx.create(pvs, bad)));
    }

    @Test
    void persistentVolumeClaimDefaultsValidationAndColumns() {
        ObjectNode pvc = Fx.yaml("""
                {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data, namespace: ns1},
                 spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, storageClassName: standard},
                 status: {phase: Bound}}
                """);
        assertEquals(List.of(), Fx.create(pvcs, pvc));
        assertEquals("Filesystem", pvc.at("/spec/volumeMode").asText());
        assertEquals("Pending", pvc.at("/status/phase").asText(), "the client's status is dropped on create");
        assertEquals(List.of("Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age"), names(pvcs));
        assertEquals(List.of("data", "Pending", "", "", "", "standard", "<unset>"), pvcs.tableRow(pvc).subList(0, 7));
        // once bound, capacity and modes come from the status
        ((ObjectNode) pvc.get("spec")).put("volumeName", "pv0001");
        ObjectNode st = (ObjectNode) pvc.get("status");
        st.put("phase", "Bound").putArray("accessModes").add("ReadWriteOnce");
        st.putObject("capacity").put("storage", "5Gi");
        assertEquals(List.of("data", "Bound", "pv0001", "5Gi", "RWO", "standard"), pvcs.tableRow(pvc).subList(0, 6));

        ObjectNode bad = Fx.yaml("{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: b}, spec: {accessModes: [Sometimes], volumeMode: Raw}}");
        assertEquals(List.of("spec.accessModes: Unsupported value: \"Sometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                        "spec.resources[storage]: Required value",
                        "spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""),
                Fx.messages(Fx.create(pvcs, bad)));
        ObjectNode grown = pvc.deepCopy();
        ((ObjectNode) grown.at("/spec/resources/requests")).put("storage", "2Gi");
        assertEquals(List.of(), pvcs.validateUpdate(grown, pvc), "requests may grow");
        ObjectNode other = pvc.deepCopy();
        ((ObjectNode) other.get("spec")).put("storageClassName", "fast");
        assertEquals(1, pvcs.validateUpdate(other, pvc).size(), "the rest of the spec is immutable");
    }

    @Test
    void storageClassDefaultsColumnsAndImmutability() {
        ObjectNode sc = Fx.yaml("""
                {apiVersion: storage.k8s.io/v1, kind: StorageClass, provisioner: rancher.io/local-path,
                 metadata: {name: local-path, annotations: {storageclass.kubernetes.io/is-default-class: "true"}}}
                """);
        assertEquals(List.of(), Fx.create(scs, sc));
        assertEquals("Delete", sc.path("reclaimPolicy").asText());
        assertEquals("Immediate", sc.path("volumeBindingMode").asText());
        assertEquals(List.of("Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"), names(scs));
        assertEquals(List.of("local-path (default)", "rancher.io/local-path", "Delete", "Immediate", false), scs.tableRow(sc).subList(0, 5));
        ObjectNode changed = sc.deepCopy().put("reclaimPolicy", "Retain");
        assertEquals(List.of("reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden."), Fx.messages(scs.validateUpdate(changed, sc)));
        ObjectNode bad = Fx.yaml("{apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: b}, volumeBindingMode: Later}");
        assertEquals(List.of("provisioner: Required value",
                        "volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\""),
                Fx.messages(Fx.create(scs, bad)));
    }

    @Test
    void csiNodeDriverAndVolumeAttachment() {
        ObjectNode node = Fx.yaml("{apiVersion: storage.k8s.io/v1, kind: CSINode, metadata: {name: n1}, spec: {drivers: [{name: d.csi.io, nodeID: n1}, {name: e.csi.io}]}}");
        assertEquals(List.of("spec.drivers[1].nodeID: Required value"), Fx.messages(Fx.create(csiNodes, node)));
        assertEquals(List.of("n1", 2L), csiNodes.tableRow(node).subList(0, 2));

        ObjectNode drv = Fx.yaml("{apiVersion: storage.k8s.io/v1, kind: CSIDriver, metadata: {name: d.csi.io}, spec: {}}");
        assertEquals(List.of(), Fx.create(csiDrivers, drv));
        assertTrue(drv.at("/spec/attachRequired").asBoolean());
        assertEquals("ReadWriteOnceWithFSType", drv.at("/spec/fsGroupPolicy").asText());
        assertEquals("Persistent", drv.at("/spec/volumeLifecycleModes/0").asText());
        assertEquals(List.of("d.csi.io", true, false, false, "<unset>", false, "Persistent"), csiDrivers.tableRow(drv).subList(0, 7));

        ObjectNode va = Fx.yaml("{apiVersion: storage.k8s.io/v1, kind: VolumeAttachment, metadata: {name: va1}, spec: {attacher: d.csi.io, nodeName: n1, source: {persistentVolumeName: pv1}}}");
        assertEquals(List.of(), Fx.create(attachments, va));
        assertEquals(List.of("va1", "d.csi.io", "pv1", "n1", false), attachments.tableRow(va).subList(0, 5));
        ObjectNode noSource = Fx.yaml("{apiVersion: storage.k8s.io/v1, kind: VolumeAttachment, metadata: {name: v}, spec: {attacher: a, nodeName: n}}");
        assertEquals(1, Fx.create(attachments, noSource).size());
    }

    @Test
    void replicationControllerDefaultsSelectorAndReplicasFromTemplate() {
        ObjectNode rc = Fx.yaml("""
                apiVersion: v1
                kind: ReplicationController
                metadata: {name: nginx, namespace: ns1}
                spec:
                  template:
                    metadata: {labels: {app: nginx}}
                    spec: {containers: [{name: nginx, image: nginx}]}
                """);
        assertEquals(List.of(), Fx.create(rcs, rc));
        assertEquals(1, rc.at("/spec/replicas").asInt());
        assertEquals("nginx", rc.at("/spec/selector/app").asText());
        assertEquals("nginx", rc.at("/metadata/labels/app").asText());
        assertEquals("Always", rc.at("/spec/template/spec/restartPolicy").asText(), "the pod template is defaulted too");
        assertEquals(List.of("Name", "Desired", "Current", "Ready", "Age"), names(rcs));
        List<Object> row = rcs.tableRow(rc);
        assertEquals(List.of("nginx", 1L, 0L, 0L), row.subList(0, 4));
        assertEquals(List.of("nginx", "nginx", "app=nginx"), row.subList(5, 8));

        ObjectNode mismatch = Fx.yaml("""
                {apiVersion: v1, kind: ReplicationController, metadata: {name: x},
                 spec: {replicas: -1, selector: {app: other}, template: {metadata: {labels: {app: nginx}}, spec: {containers: [{name: c, image: i}]}}}}
                """);
        assertEquals(List.of("spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"nginx\"}: `selector` does not match template `labels`"),
                Fx.messages(Fx.create(rcs, mismatch)));
        ObjectNode noTemplate = Fx.yaml("{apiVersion: v1, kind: ReplicationController, metadata: {name: y}, spec: {}}");
        assertEquals(List.of("spec.selector: Required value", "spec.template: Required value"), Fx.messages(Fx.create(rcs, noTemplate)));
    }

    @Test
    void podDisruptionBudgetColumnsAndMinMaxExclusive() {
        ObjectNode pdb = Fx.yaml("{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: zk}, spec: {minAvailable: 2, selector: {matchLabels: {app: zk}}}}");
        assertEquals(List.of(), Fx.create(pdbs, pdb));
        assertEquals(0, pdb.at("/status/disruptionsAllowed").asInt());
        assertEquals(List.of("Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"), names(pdbs));
        assertEquals(List.of("zk", "2", "N/A", 0L), pdbs.tableRow(pdb).subList(0, 4));
        ObjectNode pct = Fx.yaml("{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: p}, spec: {maxUnavailable: '25%'}}");
        assertEquals(List.of(), Fx.create(pdbs, pct));
        assertEquals(List.of("p", "N/A", "25%"), pdbs.tableRow(pct).subList(0, 3));
        ObjectNode both = Fx.yaml("{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: b}, spec: {minAvailable: 1, maxUnavailable: '150%'}}");
        List<String> m = Fx.messages(Fx.create(pdbs, both));
        assertEquals(2, m.size(), m.toString());
        assertTrue(m.get(0).startsWith("spec: Invalid value: ") && m.get(0).endsWith("minAvailable and maxUnavailable cannot be both set"), m.toString());
        assertEquals("spec.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%", m.get(1));
    }
}
