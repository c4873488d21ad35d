package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.List;

/** The ServiceAccounts controller (pkg/controller/serviceaccount): a "default" ServiceAccount in every active namespace. */
public final class ServiceAccountController extends Controller {
    private final Informers informers;
    private final ApiWriter writer;

    public ServiceAccountController(Informers informers, ApiWriter writer, int workers) {
        super("serviceaccount-controller", workers);
        this.informers = informers;
        this.writer = writer;
        informers.of(Namespace.class).addEventHandler(enqueueSelf());
        informers.of(ServiceAccount.class).addEventHandler(enqueue(sa -> "default".equals(sa.getMetadata().getName())
                ? List.of(sa.getMetadata().getNamespace()) : List.of()));
    }

    @Override
    protected void onStart() {
        informers.list(Namespace.class).forEach(n -> queue.add(n.getMetadata().getName()));
    }

    @Override
    public void reconcile(String ns) {
        Namespace n = informers.get(Namespace.class, null, ns);
        if (n == null || n.getMetadata().getDeletionTimestamp() != null || (n.getStatus() != null && "Terminating".equals(n.getStatus().getPhase()))) return;
        if (informers.get(ServiceAccount.class, ns, "default") != null) return;
        try {
            writer.create(new ServiceAccountBuilder().withNewMetadata().withName("default").withNamespace(ns).endMetadata().build());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) throw e;
        }
    }
}
