package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a container gets one of its namespaces (network, ipc, pid, uts). A closed set:
 * <ul>
 *   <li>{@link Private}: a new, empty namespace (for network: only a loopback device, Docker's {@code --network none});</li>
 *   <li>{@link Host}: the host's namespace (no namespace entry in config.json);</li>
 *   <li>{@link Join}: join the namespace at a path (e.g. a netns the network layer prepared under /run/wharf/netns);</li>
 *   <li>{@link Container}: share another container's namespace ({@code --network container:x}, {@code --ipc container:x});
 *       resolved at create time to {@code /proc/<pid>/ns/<kind>} of that container, which must be running.</li>
 * </ul>
 */
public sealed interface NamespaceMode {
    record Private() implements NamespaceMode {}

    record Host() implements NamespaceMode {}

    record Join(Path path) implements NamespaceMode {
        public Join {
            Objects.requireNonNull(path, "path");
        }
    }

    record Container(String containerId) implements NamespaceMode {
        public Container {
            if (containerId == null || containerId.isBlank()) throw WharfException.invalid("container namespace needs a container id");
        }
    }

    NamespaceMode PRIVATE = new Private();
    NamespaceMode HOST = new Host();
}
