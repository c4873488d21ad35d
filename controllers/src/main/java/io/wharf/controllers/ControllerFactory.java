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
        return List.of();
    }
}
