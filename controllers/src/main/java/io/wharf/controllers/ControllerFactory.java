package io.wharf.controllers;

import java.time.Clock;
import java.util.List;

/** The controllers beyond the Deployment/ReplicaSet pair, by the name {@link ControllerManager.Options} enables them with. */
record ControllerFactory(String name, Creator creator) {
    interface Creator { Controller create(Informers informers, ApiWriter writer, Clock clock, ControllerManager.Options options); }

    Controller create(Informers informers, ApiWriter writer, Clock clock, ControllerManager.Options options) {
        return creator.create(informers, writer, clock, options);
    }

    static List<ControllerFactory> extra() {
        return List.of(
                new ControllerFactory("endpoints", (i, w, c, o) -> new EndpointsController(i, w, o.workers())),
                new ControllerFactory("serviceaccount", (i, w, c, o) -> new ServiceAccountController(i, w, 1)),
                new ControllerFactory("garbagecollector", (i, w, c, o) -> new GarbageCollector(i, w, o.workers())),
                new ControllerFactory("nodelifecycle", (i, w, c, o) -> new NodeLifecycleController(i, w, c, o.nodeMonitorGracePeriod(), 2)),
                new ControllerFactory("podgc", (i, w, c, o) -> new PodGcController(i, w)),
                new ControllerFactory("job", (i, w, c, o) -> new JobController(i, w, c, o.workers())),
                new ControllerFactory("cronjob", (i, w, c, o) -> new CronJobController(i, w, c, 2)),
                new ControllerFactory("daemonset", (i, w, c, o) -> new DaemonSetController(i, w, c, 2)),
                new ControllerFactory("statefulset", (i, w, c, o) -> new StatefulSetController(i, w, c, 2)));
    }
}
