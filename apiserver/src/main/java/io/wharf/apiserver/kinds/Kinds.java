package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.KindsProvider;
import io.wharf.apiserver.ResourceRegistry;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.ResourceType;

import java.util.List;
import java.util.Map;

/**
 * The built-in kinds of Wharf's API server: the {@link KindsProvider} the serving core loads by name. It registers every
 * type of {@link BuiltinTypes} with its strategy, serves the OpenAPI v3 schemas ({@link OpenApi}), decodes protobuf
 * request bodies ({@link ProtobufBodies}) and supplies the default RBAC objects ({@link BootstrapPolicy}).
 */
public final class Kinds implements KindsProvider {
    /** The Service ClusterIP range and NodePort range of a default kube-apiserver. */
    public static final String DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
    public static final int DEFAULT_NODE_PORT_MIN = 30000, DEFAULT_NODE_PORT_MAX = 32767;

    /**
     * System property that turns on the ServiceAccount admission's projected token volume (kube-api-access-xxxxx) on
     * new pods. Off by default: it needs a node agent that mounts projected volumes.
     */
    public static final String SA_TOKEN_VOLUME_PROPERTY = "wharf.apiserver.serviceAccountTokenVolume";

    private final String serviceCidr;
    private final int nodePortMin, nodePortMax;
    private final boolean serviceAccountTokenVolume;

    /** System properties named after kube-apiserver's flags: "10.96.0.0/12" and "30000-32767" by default. */
    public static final String SERVICE_CIDR_PROPERTY = "wharf.apiserver.serviceClusterIpRange";
    public static final String NODE_PORT_RANGE_PROPERTY = "wharf.apiserver.serviceNodePortRange";

    /**
     * The defaults of kube-apiserver, overridable with {@link #SERVICE_CIDR_PROPERTY}, {@link #NODE_PORT_RANGE_PROPERTY}
     * and {@link #SA_TOKEN_VOLUME_PROPERTY} (the serving core loads this class with its no-arg constructor).
     */
    public Kinds() {
        this(System.getProperty(SERVICE_CIDR_PROPERTY, DEFAULT_SERVICE_CIDR), portRange()[0], portRange()[1],
                Boolean.getBoolean(SA_TOKEN_VOLUME_PROPERTY));
    }

    private static int[] portRange() {
        String r = System.getProperty(NODE_PORT_RANGE_PROPERTY, DEFAULT_NODE_PORT_MIN + "-" + DEFAULT_NODE_PORT_MAX);
        String[] p = r.split("-");
        if (p.length != 2) throw new IllegalArgumentException(NODE_PORT_RANGE_PROPERTY + " must look like 30000-32767: " + r);
        return new int[]{Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
    }

    public Kinds(String serviceCidr, int nodePortMin, int nodePortMax, boolean serviceAccountTokenVolume) {
        this.serviceCidr = serviceCidr;
        this.nodePortMin = nodePortMin;
        this.nodePortMax = nodePortMax;
        this.serviceAccountTokenVolume = serviceAccountTokenVolume;
    }

    @Override
    public void registerAll(ResourceRegistry registry) {
        for (ResourceType t : BuiltinTypes.all()) registry.register(t, strategyFor(t));
        // The OpenAPI schemas load lazily (first /openapi request, patch or Strict create, ~0.1 s, 3.6 MB): a warm-up
        // thread here competed with the rest of start-up for the two cores and kept them in an idle server's heap.
    }

    /** The strategy of one built-in type (all schema-aware strategies answer patchMergeKey from the OpenAPI schemas). */
    public ResourceStrategy strategyFor(ResourceType t) {
        ResourceStrategy s = switch (t.group() + "/" + t.kind()) {
            case "/Namespace" -> new CoreKinds.NamespaceStrategy();
            case "/Pod" -> new PodStrategy(serviceAccountTokenVolume);
            case "/Service" -> new ServiceStrategy(BuiltinTypes.SERVICES, serviceCidr, nodePortMin, nodePortMax);
            case "/Endpoints" -> new CoreKinds.EndpointsStrategy();
            case "/ConfigMap" -> new CoreKinds.ConfigMapStrategy();
            case "/Secret" -> new CoreKinds.SecretStrategy();
            case "/Node" -> new CoreKinds.NodeStrategy();
            case "/Event" -> new CoreKinds.EventStrategy(false);
            case "/ServiceAccount" -> new CoreKinds.ServiceAccountStrategy();
            case "/LimitRange" -> new CoreKinds.LimitRangeStrategy();
            case "/ResourceQuota" -> new CoreKinds.ResourceQuotaStrategy();
            case "/PersistentVolume" -> new StorageKinds.PersistentVolumeStrategy();
            case "/PersistentVolumeClaim" -> new StorageKinds.PersistentVolumeClaimStrategy();
            case "/ReplicationController" -> new Workloads.ReplicationControllerStrategy();
            case "policy/PodDisruptionBudget" -> new OtherKinds.PodDisruptionBudgetStrategy();
            case "storage.k8s.io/StorageClass" -> new StorageKinds.StorageClassStrategy();
            case "storage.k8s.io/CSINode" -> new StorageKinds.CSINodeStrategy();
            case "storage.k8s.io/CSIDriver" -> new StorageKinds.CSIDriverStrategy();
            case "storage.k8s.io/VolumeAttachment" -> new StorageKinds.VolumeAttachmentStrategy();
            case "apps/Deployment" -> new Workloads.DeploymentStrategy();
            case "apps/ReplicaSet" -> new Workloads.ReplicaSetStrategy();
            case "apps/DaemonSet" -> new Workloads.DaemonSetStrategy();
            case "apps/StatefulSet" -> new Workloads.StatefulSetStrategy();
            case "apps/ControllerRevision" -> new Workloads.ControllerRevisionStrategy();
            case "batch/Job" -> new Batch.JobStrategy();
            case "batch/CronJob" -> new Batch.CronJobStrategy();
            case "networking.k8s.io/Ingress" -> new OtherKinds.IngressStrategy();
            case "networking.k8s.io/IngressClass" -> new OtherKinds.IngressClassStrategy();
            case "networking.k8s.io/NetworkPolicy" -> new OtherKinds.NetworkPolicyStrategy();
            case "discovery.k8s.io/EndpointSlice" -> new OtherKinds.EndpointSliceStrategy();
            case "coordination.k8s.io/Lease" -> new OtherKinds.LeaseStrategy();
            case "rbac.authorization.k8s.io/Role" -> new OtherKinds.RoleStrategy(true);
            case "rbac.authorization.k8s.io/ClusterRole" -> new OtherKinds.RoleStrategy(false);
            case "rbac.authorization.k8s.io/RoleBinding" -> new OtherKinds.RoleBindingStrategy(true);
            case "rbac.authorization.k8s.io/ClusterRoleBinding" -> new OtherKinds.RoleBindingStrategy(false);
            case "events.k8s.io/Event" -> new CoreKinds.EventStrategy(true);
            case "scheduling.k8s.io/PriorityClass" -> new OtherKinds.PriorityClassStrategy();
            default -> ResourceStrategy.DEFAULT;
        };
        return new SchemaPatchKeys(t, s);
    }

    @Override
    public Map<String, ObjectNode> openApiSchemas(String groupVersion) { return OpenApi.schemas(groupVersion); }

    @Override
    public Map<String, ObjectNode> openApiCheckSchemas(String groupVersion) { return OpenApi.checkSchemas(groupVersion); }

    @Override
    public ObjectNode decodeProtobuf(byte[] body) { return ProtobufBodies.decode(body); }

    @Override
    public List<ObjectNode> bootstrapObjects() { return BootstrapPolicy.objects(); }
}
