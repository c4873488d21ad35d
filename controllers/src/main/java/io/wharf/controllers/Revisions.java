package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ControllerRevisions of DaemonSets and StatefulSets (pkg/controller/history): one per distinct template, named
 * {@code <owner>-<hash>}, labelled like the pods plus controller-revision-hash, holding the patch
 * {@code {"spec":{"template":{...,"$patch":"replace"}}}} that `kubectl rollout undo` applies. The current template's
 * revision gets the highest number (a template that comes back is renumbered, as a rollback is in Kubernetes);
 * revisions beyond revisionHistoryLimit that no pod uses are deleted.
 */
final class Revisions {
    private Revisions() {}

    static List<ControllerRevision> owned(Informers informers, HasMetadata owner) {
        List<ControllerRevision> out = new ArrayList<>();
        for (ControllerRevision r : informers.list(ControllerRevision.class, owner.getMetadata().getNamespace())) {
            OwnerReference ref = Pods.controllerRef(r);
            if (ref != null && owner.getMetadata().getUid().equals(ref.getUid())) out.add(r);
        }
        out.sort(Comparator.comparingLong(ControllerRevision::getRevision));
        return out;
    }

    /** Makes sure the current template has the newest revision; returns the revision number. */
    @SuppressWarnings("unchecked")
    static long sync(Informers informers, ApiWriter writer, HasMetadata owner, String apiVersion, String kind, LabelSelector selector,
                     PodTemplateSpec template, String name, String hash, Integer historyLimit, java.util.Set<String> liveHashes) {
        List<ControllerRevision> revs = owned(informers, owner);
        long max = revs.isEmpty() ? 0 : revs.getLast().getRevision();
        ControllerRevision cur = revs.stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst().orElse(null);
        long revision;
        if (cur == null) {
            Map<String, Object> tmpl = Clients.SERIALIZATION.convertValue(template, Map.class);
            tmpl.put("$patch", "replace");
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("spec", new LinkedHashMap<>(Map.of("template", tmpl)));
            Map<String, String> labels = new LinkedHashMap<>(template.getMetadata() == null || template.getMetadata().getLabels() == null
                    ? Map.of() : template.getMetadata().getLabels());
            labels.put("controller-revision-hash", hash);
            revision = max + 1;
            try {
                writer.create(new ControllerRevisionBuilder().withNewMetadata().withName(name).withNamespace(owner.getMetadata().getNamespace())
                        .withLabels(labels).withOwnerReferences(Pods.newControllerRef(owner, apiVersion, kind)).endMetadata()
                        .withData(data).withRevision(revision).build());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) throw e;
            }
        } else if (cur.getRevision() < max) {
            revision = max + 1;
            writer.update(new ControllerRevisionBuilder(cur).withRevision(revision).build());
        } else revision = cur.getRevision();
        int limit = historyLimit == null ? 10 : historyLimit;
        List<ControllerRevision> old = revs.stream().filter(r -> !r.getMetadata().getName().equals(name)
                && !liveHashes.contains(r.getMetadata().getLabels() == null ? "" : String.valueOf(r.getMetadata().getLabels().get("controller-revision-hash")))).toList();
        for (int i = 0; i < old.size() - limit; i++) {
            try {
                writer.delete(old.get(i));
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) throw e;
            }
        }
        return revision;
    }
}
