package io.wharf.image;

import io.wharf.oci.Digest;

import java.util.List;

/**
 * What the engine (which owns containers) tells the image service when deleting or pruning images, so it can apply
 * docker's conflict rules ("image is being used by running container …").
 */
@FunctionalInterface
public interface ContainerUsage {
    /** A container created from an image. */
    record User(String containerId, boolean running) {}

    /** The containers (running or not) whose image is {@code imageId}. */
    List<User> containersUsing(Digest imageId);

    ContainerUsage NONE = id -> List.of();
}
