/**
 * The Dockerfile builder behind {@code docker build} (issue 4).
 *
 * <h2>What the docker CLI 28 does here</h2>
 * There is no buildx plugin on Wharf's hosts, so the CLI takes the legacy path, verified by {@code BuildCliIT}:
 * <ul>
 *   <li>{@code docker build} (DOCKER_BUILDKIT unset) prints "DEPRECATED: The legacy builder is deprecated…" on stderr
 *       and sends {@code POST /build?…&version=1} with the context as a (chunked) tar;</li>
 *   <li>{@code DOCKER_BUILDKIT=0}: the same request, with the warning "BuildKit is currently disabled";</li>
 *   <li>{@code DOCKER_BUILDKIT=1}: "ERROR: BuildKit is enabled but the buildx component is missing or broken", exit 1,
 *       nothing sent.</li>
 * </ul>
 * The CLI applies {@code .dockerignore} itself (always sending the Dockerfile and .dockerignore); the builder applies it
 * again on the extracted context. The response is a JSON message stream ({@link io.wharf.build.BuildMessage}); the
 * CLI prints {@code stream} texts as they are, uses {@code aux.ID} for {@code -q}/{@code --iidfile}, and exits with
 * {@code errorDetail.code} (1 when absent).
 *
 * <h2>Parts</h2>
 * {@link io.wharf.build.Dockerfile} (parser, directives, continuations, heredocs) → {@link io.wharf.build.Instruction}
 * (sealed records) → {@link io.wharf.build.Builder} (dispatch with {@link io.wharf.build.ShellLex} substitution,
 * {@link io.wharf.build.DockerIgnore}, per-step cache, RUN containers, COPY/ADD layers) fed by a
 * {@link io.wharf.build.BuildRequest} parsed from POST /build's query.
 */
package io.wharf.build;
