package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WorkloadsTest {
    final ResourceStrategy deployments = Fx.strategy(BuiltinTypes.DEPLOYMENTS);
    final ResourceStrategy replicaSets = Fx.strategy(BuiltinTypes.REPLICASETS);
    final ResourceStrategy daemonSets = Fx.strategy(BuiltinTypes.DAEMONSETS);
    final ResourceStrategy statefulSets = Fx.strategy(BuiltinTypes.STATEFULSETS);
    final ResourceStrategy jobs = Fx.strategy(BuiltinTypes.JOBS);
    final ResourceStrategy cronJobs = Fx.strategy(BuiltinTypes.CRONJOBS);

    static final String DEPLOY = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: myblog, namespace: nohi}
            spec:
              selector: {matchLabels: {app: myblog}}
              template:
                metadata: {labels: {app: myblog}}
                spec:
                  containers: [{name: myblog, image: "myblog:v1", ports: [{containerPort: 8002}]}]
            """;

    @Test
    void deploymentDefaults() {
        ObjectNode d = Fx.yaml(DEPLOY);
        assertEquals(List.of(), Fx.create(deployments, d));
        assertEquals(1, d.at("/spec/replicas").asInt());
        assertEquals("RollingUpdate", d.at("/spec/strategy/type").asText());
        assertEquals("25%", d.at("/spec/strategy/rollingUpdate/maxUnavailable").asText());
        assertEquals("25%", d.at("/spec/strategy/rollingUpdate/maxSurge").asText());
        assertEquals(10, d.at("/spec/revisionHistoryLimit").asInt());
        assertEquals(600, d.at("/spec/progressDeadlineSeconds").asInt());
        assertEquals("Always", d.at("/spec/template/spec/restartPolicy").asText());
        assertEquals("IfNotPresent", d.at("/spec/template/spec/containers/0/imagePullPolicy").asText());
        assertEquals("TCP", d.at("/spec/template/spec/containers/0/ports/0/protocol").asText());
        assertTrue(d.at("/spec/template/spec/tolerations").isMissingNode(), "admission defaults apply to pods, not templates");
        assertTrue(d.at("/spec/template/spec/enableServiceLinks").isMissingNode(), "SetDefaults_Pod does not touch templates");
        assertEquals("{}", d.at("/spec/template/spec/securityContext").toString());
        assertTrue(d.get("status").isEmpty());
    }

    @Test
    void selectorMustMatchTemplateLabels() {
        ObjectNode d = Fx.yaml(DEPLOY);
        ((ObjectNode) d.at("/spec/selector/matchLabels")).put("app", "other");
        List<FieldError> errs = Fx.create(deployments, d);
        assertEquals(List.of("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"myblog\"}: `selector` does not match template `labels`"),
                Fx.messages(errs));
        assertEquals("Invalid value: map[string]string{\"app\":\"myblog\"}: `selector` does not match template `labels`", errs.getFirst().body());

        ObjectNode noSel = Fx.yaml(DEPLOY);
        ((ObjectNode) noSel.get("spec")).remove("selector");
        assertEquals(List.of("spec.selector: Required value",
                        "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"myblog\"}: `selector` does not match template `labels`"),
                Fx.messages(Fx.create(deployments, noSel)));

        ObjectNode emptySel = Fx.yaml(DEPLOY);
        ((ObjectNode) emptySel.get("spec")).putObject("selector");
        assertEquals(List.of("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"),
                Fx.messages(Fx.create(deployments, emptySel)));
    }

    @Test
    void deploymentSpecChecks() {
        ObjectNode d = Fx.yaml(DEPLOY);
        ObjectNode spec = (ObjectNode) d.get("spec");
        spec.put("replicas", -1);
        spec.putObject("strategy").put("type", "RollingUpdate").putObject("rollingUpdate").put("maxUnavailable", 0).put("maxSurge", 0);
        ((ObjectNode) spec.at("/template/spec")).put("restartPolicy", "Never");
        assertEquals(List.of("spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                        "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
                        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0\": may not be 0 when `maxSurge` is 0"),
                Fx.messages(Fx.create(deployments, d)));
    }

    @Test
    void selectorIsImmutable() {
        ObjectNode old = Fx.yaml(DEPLOY);
        Fx.create(deployments, old);
        ObjectNode n = old.deepCopy();
        ((ObjectNode) n.at("/spec/selector/matchLabels")).put("tier", "web");
        ((ObjectNode) n.at("/spec/template/metadata/labels")).put("tier", "web");
        deployments.applyDefaults(n);
        deployments.prepareForUpdate(n, old);
        assertEquals(List.of("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"myblog\", \"tier\":\"web\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"),
                Fx.messages(deployments.validateUpdate(n, old)));
        ObjectNode scaled = old.deepCopy();
        ((ObjectNode) scaled.get("spec")).put("replicas", 3);
        assertEquals(List.of(), deployments.validateUpdate(scaled, old));
    }

    @Test
    void deploymentAndReplicaSetTables() {
        ObjectNode d = Fx.yaml(DEPLOY);
        Fx.create(deployments, d);
        ((ObjectNode) d.get("status")).put("readyReplicas", 1).put("updatedReplicas", 1).put("availableReplicas", 1);
        List<Object> row = deployments.tableRow(d);
        assertEquals(List.of("1/1", 1L, 1L), row.subList(1, 4));
        assertEquals(List.of("myblog", "myblog:v1", "app=myblog"), row.subList(5, 8));
        assertEquals(List.of("Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"),
                deployments.tableColumns().stream().map(c -> c.name()).toList());

        ObjectNode rs = Fx.yaml(DEPLOY.replace("Deployment", "ReplicaSet").replace("name: myblog,", "name: myblog-7c96c9f76b,"));
        assertEquals(List.of(), Fx.create(replicaSets, rs));
        ((ObjectNode) rs.get("status")).put("replicas", 1);
        assertEquals(List.of("myblog-7c96c9f76b", 1L, 1L, 0L), replicaSets.tableRow(rs).subList(0, 4));
    }

    @Test
    void daemonSetAndStatefulSet() {
        ObjectNode ds = Fx.yaml(DEPLOY.replace("Deployment", "DaemonSet"));
        assertEquals(List.of(), Fx.create(daemonSets, ds));
        assertEquals("RollingUpdate", ds.at("/spec/updateStrategy/type").asText());
        assertEquals(1, ds.at("/spec/updateStrategy/rollingUpdate/maxUnavailable").asInt());
        assertEquals(0, ds.at("/spec/updateStrategy/rollingUpdate/maxSurge").asInt(-1));
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, "<none>"), daemonSets.tableRow(ds).subList(1, 7));

        ObjectNode sts = Fx.yaml(DEPLOY.replace("Deployment", "StatefulSet"));
        assertEquals(List.of(), Fx.create(statefulSets, sts));
        assertEquals("OrderedReady", sts.at("/spec/podManagementPolicy").asText());
        assertEquals(0, sts.at("/spec/updateStrategy/rollingUpdate/partition").asInt(-1));
        assertEquals("Retain", sts.at("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted").asText());
        assertEquals("0/1", statefulSets.tableRow(sts).get(1));
        ObjectNode changed = sts.deepCopy();
        ((ObjectNode) changed.get("spec")).put("serviceName", "other");
        assertEquals(List.of("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"),
                Fx.messages(statefulSets.validateUpdate(changed, sts)));
    }

    @Test
    void jobGetsGeneratedSelectorAndDefaults() {
        ObjectNode j = Fx.yaml("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: pi, namespace: nohi, uid: 11111111-2222-3333-4444-555555555555}
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: pi, image: perl, command: [perl, -e, print 1]}]
                """);
        assertEquals(List.of(), Fx.create(jobs, j));
        assertEquals(1, j.at("/spec/completions").asInt());
        assertEquals(1, j.at("/spec/parallelism").asInt());
        assertEquals(6, j.at("/spec/backoffLimit").asInt());
        assertEquals("NonIndexed", j.at("/spec/completionMode").asText());
        assertFalse(j.at("/spec/suspend").asBoolean(true));
        assertEquals("11111111-2222-3333-4444-555555555555", j.at("/spec/selector/matchLabels/batch.kubernetes.io~1controller-uid").asText());
        assertEquals("pi", j.at("/spec/template/metadata/labels/job-name").asText());
        assertEquals("11111111-2222-3333-4444-555555555555", j.at("/spec/template/metadata/labels/controller-uid").asText());
        List<Object> row = jobs.tableRow(j);
        assertEquals(List.of("pi", "Running", "0/1", ""), row.subList(0, 4));

        ObjectNode always = Fx.yaml("""
                {apiVersion: batch/v1, kind: Job, metadata: {name: x}, spec: {template: {spec: {containers: [{name: a, image: b}]}}}}
                """);
        assertEquals(List.of("spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""),
                Fx.messages(Fx.create(jobs, always)));
        assertFalse(always.at("/metadata/uid").asText().isEmpty(), "a uid is set for the selector when the core has not set one");
    }

    @Test
    void cronJobDefaultsAndSchedule() {
        ObjectNode cj = Fx.yaml("""
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: hello}
                spec:
                  schedule: "*/1 * * * *"
                  jobTemplate:
                    spec:
                      template:
                        spec:
                          restartPolicy: OnFailure
                          containers: [{name: hello, image: busybox}]
                """);
        assertEquals(List.of(), Fx.create(cronJobs, cj));
        assertEquals("Allow", cj.at("/spec/concurrencyPolicy").asText());
        assertEquals(3, cj.at("/spec/successfulJobsHistoryLimit").asInt());
        assertEquals(1, cj.at("/spec/failedJobsHistoryLimit").asInt());
        assertFalse(cj.at("/spec/suspend").asBoolean(true));
        assertEquals(List.of("hello", "*/1 * * * *", "<none>", "False", 0L, "<none>"), cronJobs.tableRow(cj).subList(0, 6));
        ((ObjectNode) cj.get("spec")).put("schedule", "61 * * * *");
        assertEquals(List.of("spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"), Fx.messages(cronJobs.validateCreate(cj)));
    }
}
