/**
 * Container lifecycle: OCI bundles run by crun (default) or runc under one conmon per container.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link io.wharf.runtime.ContainerRuntime} (implemented by {@link io.wharf.runtime.ConmonRuntime}, configured by
 *       {@link io.wharf.runtime.RuntimeConfig}): create/start/stop/kill/pause/delete, wait, attach, exec, logs, stats,
 *       top, and re-adoption ({@code list()}) after a restart.</li>
 *   <li>{@link io.wharf.runtime.ContainerSpec}: what the engine asks for; turned into config.json (runtime-spec 1.0.2)
 *       with Docker's defaults.</li>
 *   <li>{@link io.wharf.runtime.HostSetup}: idempotent host fixes at start ({@code prepare()}) and `wharf doctor`
 *       checks ({@code checks(config)}).</li>
 * </ul>
 *
 * <h2>On disk</h2>
 * <pre>
 * containersRoot/ID/            (default /var/lib/wharf/containers/ID; persistent; the engine may keep its own files here)
 *   config.json                 OCI bundle config, rewritten on each create
 *   state.json                  ours: conmon pid, container pid + start time, created/started times, tty, stop signal
 *   ctr.log                     conmon k8s-file log (appended across restarts)
 *   exit, oom                   written by conmon (--persist-dir, and its cwd)
 *   oomkilled                   ours: the cgroup's kernel OOM-kill counter was non-zero at exit
 *   attach, ctl, winsz          conmon's attach socket (SEQPACKET) and control fifos
 *   pidfile, conmon.pid         container and conmon pids; conmon.out: conmon's early errors
 *   hosts, hostname             written when the engine gives none
 *   exec/                       process.json of running exec sessions
 * stateRoot/                    (default /run/wharf/runtime; tmpfs)
 *   crun/ (or runc/)            the OCI runtime's --root
 *   exits/ID                    conmon --exit-dir (watched with inotify)
 *   console/                    console sockets of `exec -t`
 * cgroups                       cgroupfs path cgroupParent/ID (default /wharf/ID) in every hierarchy
 * </pre>
 *
 * <h2>Native calls</h2> {@code Native} uses the FFM API (no JNI, no helper binary) for posix_spawn with fd passing
 * (conmon's sync pipe), SOCK_SEQPACKET (conmon's attach socket) and SCM_RIGHTS (exec consoles). Run the JVM with
 * {@code --enable-native-access=ALL-UNNAMED} to avoid the restricted-method warning.
 */
package io.wharf.runtime;
