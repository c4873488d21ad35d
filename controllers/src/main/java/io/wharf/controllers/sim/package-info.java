/**
 * SIMULATED nodes for tests and scale benchmarks ({@code wharf sim-nodes}): {@link io.wharf.controllers.sim.NodeSimulator}
 * registers Nodes, renews their Leases and reports pods as a kubelet would, without running any container.
 */
package io.wharf.controllers.sim;
