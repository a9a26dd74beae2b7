#!/usr/bin/env bash
# Image check: builds the Dockerfile and starts the image once, without a Docker engine and
# without Docker Hub.
#
# - buildah builds the Dockerfile with chroot isolation (no daemon, no OCI runtime).
# - The Dockerfile's default base images come from Docker Hub. In their place this script
#   builds two local ones from Debian packages and keeps them in buildah's local storage:
#     localhost/k8sensus-jre-base    Debian bookworm (debootstrap, minbase) + openjdk-17-jre-headless
#     localhost/k8sensus-build-base  the same + openjdk-17-jdk-headless + maven
#   They are built once and reused while buildah has them (REBUILD_BASES=1 rebuilds them).
# - The build stage's RUN steps download the dependencies from Maven Central: with chroot
#   isolation they run in the host's network namespace, so they reach whatever the host
#   reaches. On a machine whose containers cannot reach it, M2_FROM_HOST=1 mounts the host's
#   ~/.m2/repository into the RUN steps instead (as an overlay: the host's copy is not changed;
#   fill it first with `mvn dependency:go-offline package -DskipTests` on the host).
# - Then it checks the image's configuration (numeric non-root user, exec-form entrypoint with
#   the JVM flags, working directory, exposed port, labels) and runs the image's entrypoint
#   once, with the class-data archive required (-Xshare:on), pointed at an unreachable
#   Kubernetes API: it passes when Camel reports that it has
#   started and the management port answers the liveness probe. The application then stays a
#   follower, retrying the API; the check stops it with SIGTERM.
#
# Usage: scripts/image-check.sh            (as root: buildah's chroot isolation and debootstrap)
# Environment:
#   IMAGE=name          image to build (default localhost/k8sensus:check)
#   REBUILD_BASES=1     rebuild both base images even if buildah has them
#   NO_CACHE=1          build the Dockerfile without buildah's layer cache
#   M2_FROM_HOST=1      see above
#   START_TIMEOUT=N     seconds to wait for the application to start (default 120)
#   COMPONENTS="g:a..." Camel components to add to the image (the Dockerfile's build argument)
# Prints the time of each phase and a final PASS or FAIL line; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/k8sensus:check}
JRE_BASE=localhost/k8sensus-jre-base
BUILD_BASE=localhost/k8sensus-build-base
SUITE=bookworm
START_TIMEOUT=${START_TIMEOUT:-120}
STOP_TIMEOUT=30
CAMEL_VERSION=4.18.0
STARTED_LINE="Apache Camel ${CAMEL_VERSION} (k8sensus) started"
MGMT_PORT=9876
# Must match the Dockerfile's ENTRYPOINT; the JVM settings are in src/main/jvm/jvm.options
JVM_FLAGS=(@/app/jvm.options -XX:SharedArchiveFile=/app/k8sensus.jsa -Djava.io.tmpdir=/tmp)

WORK=$(mktemp -d -t image-check.XXXXXX)
CONTAINERS=()
APP_PID=
PHASE=setup
PHASE_T0=0
SUMMARY=()
T_START=$(date +%s%N)

log() { printf 'image-check: %s\n' "$*"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
fmt_ms() { printf '%d.%01ds' $(( $1 / 1000 )) $(( ($1 % 1000) / 100 )); }

phase() {  # phase NAME: starts timing a phase
    PHASE=$1
    PHASE_T0=$(date +%s%N)
    log "--- ${PHASE}"
}
phase_done() {  # phase_done [NOTE]: ends the current phase
    local ms
    ms=$(ms_since "$PHASE_T0")
    SUMMARY+=("$(printf '%-22s %9s  %s' "$PHASE" "$(fmt_ms "$ms")" "${1:-}")")
    log "${PHASE}: done in $(fmt_ms "$ms")${1:+ ($1)}"
}

fail() {
    log "ERROR in phase '${PHASE}': $*"
    exit 1
}

cleanup() {
    local rc=$?
    set +e
    if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
        kill -TERM "$APP_PID" 2>/dev/null
        wait "$APP_PID" 2>/dev/null
    fi
    for c in "${CONTAINERS[@]}"; do
        buildah umount "$c" >/dev/null 2>&1
        buildah rm "$c" >/dev/null 2>&1
    done
    rm -rf "$WORK"
    echo
    log "phase timings:"
    for s in "${SUMMARY[@]}"; do printf '  %s\n' "$s"; done
    local total
    total=$(fmt_ms "$(ms_since "$T_START")")
    if [ "$rc" -eq 0 ]; then
        log "PASS: ${IMAGE} builds from the Dockerfile and starts (total ${total})"
    else
        log "FAIL: phase '${PHASE}' failed, exit code ${rc} (total ${total})"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

new_container() {  # new_container IMAGE: sets $ctr to a new working container, removed on exit
    ctr=$(buildah from --pull-never "$1")
    CONTAINERS+=("$ctr")
}
forget_container() {
    local keep=() c
    for c in "${CONTAINERS[@]}"; do [ "$c" = "$1" ] || keep+=("$c"); done
    CONTAINERS=("${keep[@]}")
}
have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
phase "tools"
if [ "$(id -u)" -ne 0 ]; then
    fail "must run as root: buildah's chroot isolation and debootstrap need it, and so does apt-get"
fi
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v newuidmap >/dev/null || missing+=(uidmap)
command -v fuse-overlayfs >/dev/null || missing+=(fuse-overlayfs)
command -v curl >/dev/null || missing+=(curl)
command -v timeout >/dev/null || missing+=(coreutils)
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; } \
        >"$WORK/apt.log" 2>&1 || { tail -n 30 "$WORK/apt.log"; fail "apt-get install ${missing[*]} failed"; }
    phase_done "installed: ${missing[*]}"
else
    phase_done "buildah $(buildah --version | awk '{print $3}'), debootstrap present"
fi

# Keep buildah's RUN steps and the application's start on the same isolation: chroot runs in
# the host's network namespace and needs no OCI runtime, cgroup or user namespace setup.
export BUILDAH_ISOLATION=chroot

# ---------------------------------------------------------------------------------------------
# Runs a shell script inside a working container (as root; the container's image may set another user)
ctr_sh() {
    local c=$1
    shift
    buildah run --isolation chroot --user 0:0 --env DEBIAN_FRONTEND=noninteractive "$c" -- sh -euc "$*"
}

rebuilt_jre=0
phase "jre-base image"
if [ "${REBUILD_BASES:-0}" != 1 ] && have_image "$JRE_BASE"; then
    phase_done "cached: ${JRE_BASE}"
else
    new_container scratch
    mnt=$(buildah mount "$ctr")
    log "debootstrap ${SUITE} (minbase) into ${ctr}"
    debootstrap --variant=minbase "$SUITE" "$mnt" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -n 30 "$WORK/debootstrap.log"; fail "debootstrap ${SUITE} failed"; }
    # Updates and security updates from the same mirror that debootstrap used
    mirror=$(awk '$1 == "deb" { print $2; exit }' "$mnt/etc/apt/sources.list")
    [ -n "$mirror" ] || fail "no mirror in the debootstrapped sources.list"
    cat >"$mnt/etc/apt/sources.list" <<EOF
deb ${mirror} ${SUITE} main
deb ${mirror} ${SUITE}-updates main
deb ${mirror%/}-security ${SUITE}-security main
EOF
    # The host's name and resolver do not belong in an image: the runtime provides them
    rm -f "$mnt/etc/resolv.conf" "$mnt/etc/hostname"
    buildah umount "$ctr" >/dev/null
    buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --env LANG=C.UTF-8 "$ctr"
    log "installing openjdk-17-jre-headless"
    ctr_sh "$ctr" '
        apt-get update -q
        apt-get upgrade -y -q
        apt-get install -y -q --no-install-recommends openjdk-17-jre-headless
        apt-get clean
        rm -rf /var/lib/apt/lists/*
        java -version' >"$WORK/jre.log" 2>&1 \
        || { tail -n 30 "$WORK/jre.log"; fail "installing the JRE in the base image failed"; }
    # shellcheck disable=SC2016  # expanded inside the container
    java_home=$(ctr_sh "$ctr" 'dirname "$(dirname "$(readlink -f /usr/bin/java)")"')
    buildah config --env JAVA_HOME="$java_home" --cmd '["/bin/bash"]' \
        --label org.opencontainers.image.description="Debian ${SUITE} minbase + openjdk-17-jre-headless" \
        "$ctr"
    buildah commit -q --rm "$ctr" "$JRE_BASE" >/dev/null
    forget_container "$ctr"
    rebuilt_jre=1
    phase_done "built: ${JRE_BASE}, $(grep -o 'openjdk version "[^"]*"' "$WORK/jre.log")"
fi

phase "build-base image"
if [ "${REBUILD_BASES:-0}" != 1 ] && [ "$rebuilt_jre" = 0 ] && have_image "$BUILD_BASE"; then
    phase_done "cached: ${BUILD_BASE}"
else
    new_container "$JRE_BASE"
    log "installing openjdk-17-jdk-headless and maven"
    ctr_sh "$ctr" '
        apt-get update -q
        apt-get install -y -q --no-install-recommends openjdk-17-jdk-headless maven
        apt-get clean
        rm -rf /var/lib/apt/lists/*
        mvn -v' >"$WORK/build.log" 2>&1 \
        || { tail -n 30 "$WORK/build.log"; fail "installing the JDK and Maven in the build image failed"; }
    buildah config --label org.opencontainers.image.description="Debian ${SUITE} minbase + openjdk-17-jdk-headless + maven" "$ctr"
    buildah commit -q --rm "$ctr" "$BUILD_BASE" >/dev/null
    forget_container "$ctr"
    phase_done "built: ${BUILD_BASE}, $(grep -o 'Apache Maven [0-9.]*' "$WORK/build.log" | head -n 1)"
fi

# ---------------------------------------------------------------------------------------------
phase "build Dockerfile"
bud_args=(--isolation chroot --layers --force-rm
          --build-arg "BUILD_IMAGE=${BUILD_BASE}" --build-arg "RUNTIME_IMAGE=${JRE_BASE}"
          --pull-never -t "$IMAGE")
[ "${NO_CACHE:-0}" = 1 ] && bud_args+=(--no-cache)
[ -n "${COMPONENTS:-}" ] && bud_args+=(--build-arg "COMPONENTS=${COMPONENTS}")
# A machine whose TLS traffic passes through an inspecting proxy trusts that proxy's CA through
# /usr/local/share/ca-certificates; the base images know nothing of it, so Maven's downloads
# would fail with "PKIX path building failed". The RUN steps then get the host's Java trust
# store, mounted for the build only: nothing of it ends up in an image.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null && [ -f /etc/ssl/certs/java/cacerts ]; then
    log "host has local CAs: the build's RUN steps use the host's Java trust store"
    bud_args+=(--volume /etc/ssl/certs/java/cacerts:/etc/ssl/certs/java/cacerts:ro)
fi
if [ "${M2_FROM_HOST:-0}" = 1 ]; then
    [ -d "$HOME/.m2/repository" ] || fail "M2_FROM_HOST=1 but there is no $HOME/.m2/repository"
    bud_args+=(--volume "$HOME/.m2/repository:/root/.m2/repository:O")
fi
# The previous check image would otherwise stay behind untagged
buildah rmi "$IMAGE" >/dev/null 2>&1 || true
if ! buildah bud "${bud_args[@]}" . 2>&1 | tee "$WORK/bud.log" | sed 's/^/  bud: /'; then
    fail "buildah bud failed (see the bud: lines above)"
fi
cached_steps=$(grep -c -- '--> Using cache' "$WORK/bud.log" || true)
phase_done "${IMAGE}, $(buildah images --format '{{.Size}}' "$IMAGE" | head -n 1), ${cached_steps} steps from the layer cache"

# ---------------------------------------------------------------------------------------------
phase "image config"
inspect() { buildah inspect --type image --format "$1" "$IMAGE"; }
user=$(inspect '{{.OCIv1.Config.User}}')
workdir=$(inspect '{{.OCIv1.Config.WorkingDir}}')
mapfile -t entrypoint < <(inspect '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}')
mapfile -t cmd < <(inspect '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}')
# shellcheck disable=SC2016  # a Go template, not a shell expression
ports=$(inspect '{{range $p, $v := .OCIv1.Config.ExposedPorts}}{{$p}} {{end}}' | sed 's/ *$//')
license=$(inspect '{{index .OCIv1.Config.Labels "org.opencontainers.image.licenses"}}')
title=$(inspect '{{index .OCIv1.Config.Labels "org.opencontainers.image.title"}}')
log "user=${user} workdir=${workdir} ports=${ports} cmd=[${cmd[*]}]"
log "entrypoint=[${entrypoint[*]}]"
problems=()
[ "$user" = "10001:10001" ] || problems+=("user is '${user}', expected 10001:10001")
[ "$workdir" = "/app" ] || problems+=("working directory is '${workdir}', expected /app")
[ "${#entrypoint[@]}" -gt 0 ] && [ "${entrypoint[0]}" = java ] \
    || problems+=("entrypoint does not start with java (shell form would start with /bin/sh -c)")
n=${#entrypoint[@]}
[ "$n" -ge 2 ] && [ "${entrypoint[n-2]}" = -jar ] && [ "${entrypoint[n-1]}" = /app/k8sensus.jar ] \
    || problems+=("entrypoint does not end with -jar /app/k8sensus.jar")
for f in "${JVM_FLAGS[@]}"; do
    printf '%s\n' "${entrypoint[@]}" | grep -qxF -- "$f" || problems+=("entrypoint lacks ${f}")
done
new_container "$IMAGE"
cmp -s "$(buildah mount "$ctr")/app/jvm.options" src/main/jvm/jvm.options \
    || problems+=("/app/jvm.options in the image differs from src/main/jvm/jvm.options")
buildah umount "$ctr" >/dev/null
[ "${#cmd[@]}" -eq 0 ] || problems+=("Cmd is [${cmd[*]}]: it would be passed to the application as arguments")
[[ " $ports " == *" ${MGMT_PORT}/tcp "* ]] || problems+=("port ${MGMT_PORT}/tcp is not exposed")
[ "$license" = "Apache-2.0" ] || problems+=("label org.opencontainers.image.licenses is '${license}'")
[ "$title" = "k8sensus" ] || problems+=("label org.opencontainers.image.title is '${title}'")
if [ "${#problems[@]}" -gt 0 ]; then
    printf '  - %s\n' "${problems[@]}"
    fail "the image configuration is not as expected"
fi
phase_done "user 10001:10001, exec-form entrypoint with the JVM flags, /app, ${MGMT_PORT}/tcp"

# ---------------------------------------------------------------------------------------------
phase "start"
# The container shares the host's network: if the management port is taken here, use another
run_env=(--env K8SENSUS_KUBERNETES_MASTER_URL=http://127.0.0.1:1
         --env POD_NAME=image-check --env POD_NAMESPACE=default)
# -Xshare:on: the JVM refuses to start unless it can use the class-data archive, so the check
# proves that the archive fits the image's JVM and jars (without it the JVM would only warn)
tool_options=-Xshare:on
port=$MGMT_PORT
if ss -Hltn "sport = :${port}" 2>/dev/null | grep -q .; then
    port=$(( 20000 + RANDOM % 20000 ))
    log "port ${MGMT_PORT} is in use on this machine: the check uses ${port} (-Dcamel.management.port)"
    tool_options+=" -Dcamel.management.port=${port}"
fi
run_env+=(--env "JAVA_TOOL_OPTIONS=${tool_options}")
new_container "$IMAGE"
app_log="$WORK/app.log"
# The image's own entrypoint, as its user and in its working directory; timeout bounds it and,
# on expiry or on the TERM sent below, signals its whole process group (buildah and the JVM)
timeout -k 10 $(( START_TIMEOUT + STOP_TIMEOUT + 30 )) \
    buildah run --isolation chroot "${run_env[@]}" "$ctr" -- "${entrypoint[@]}" "${cmd[@]}" \
    >"$app_log" 2>&1 &
APP_PID=$!
deadline=$(( $(date +%s) + START_TIMEOUT ))
started=0
while [ "$(date +%s)" -lt "$deadline" ]; do
    if grep -qF "$STARTED_LINE" "$app_log"; then started=1; break; fi
    kill -0 "$APP_PID" 2>/dev/null || break
    sleep 0.5
done
if [ "$started" != 1 ]; then
    sed 's/^/  app: /' "$app_log" | tail -n 60
    if kill -0 "$APP_PID" 2>/dev/null; then
        fail "no '${STARTED_LINE}' within ${START_TIMEOUT}s"
    fi
    fail "the application exited before '${STARTED_LINE}'"
fi
start_ms=$(ms_since "$PHASE_T0")
grep -F "$STARTED_LINE" "$app_log" | sed 's/^/  app: /'
# Liveness from the host (shared network namespace)
live=000
for _ in $(seq 1 20); do
    live=$(curl -s -o "$WORK/live.json" -w '%{http_code}' "http://127.0.0.1:${port}/observe/health/live" || true)
    [ "$live" = 200 ] && break
    sleep 0.5
done
ready=$(curl -s -o "$WORK/ready.json" -w '%{http_code}' "http://127.0.0.1:${port}/observe/health/ready" || true)
log "liveness: HTTP ${live}; readiness: HTTP ${ready} (informational)"
if [ "$live" != 200 ]; then
    sed 's/^/  app: /' "$app_log" | tail -n 40
    fail "the liveness probe on port ${port} answered HTTP ${live}"
fi
# Stop it as the kubelet would: SIGTERM to the JVM alone (buildah's chroot runtime answers a
# SIGTERM of its own by killing the JVM outright), then see it go
jvm=$APP_PID
for _ in 1 2 3 4 5 6; do  # timeout -> buildah -> buildah-chroot-runtime -> buildah-chroot-exec -> java
    jvm=$(pgrep -P "$jvm" | head -n 1) || break
    [ "$(ps -o comm= -p "$jvm")" = java ] && break
done
if [ -n "$jvm" ] && [ "$(ps -o comm= -p "$jvm")" = java ]; then
    kill -TERM "$jvm"
else
    kill -TERM "$APP_PID"
fi
stopped=0
for _ in $(seq 1 $(( STOP_TIMEOUT * 2 ))); do
    kill -0 "$APP_PID" 2>/dev/null || { stopped=1; break; }
    sleep 0.5
done
wait "$APP_PID" 2>/dev/null || true
APP_PID=
if [ "$stopped" = 1 ]; then
    shutdown=$(grep -E -o 'JVM shutdown hook triggered by SIGTERM|Apache Camel [^ ]+ \(k8sensus\) (is shutting down|shutdown in [^ ]+)' "$app_log" | tail -n 1 || true)
    log "stopped on SIGTERM${shutdown:+, last shutdown line: ${shutdown}}"
else
    kill -KILL -- "-${APP_PID}" 2>/dev/null || true
    log "did not stop within ${STOP_TIMEOUT}s of SIGTERM; killed"
fi
grep -E ' (WARN|ERROR) ' "$app_log" | head -n 5 | sed 's/^/  app (first warnings): /' || true
phase_done "started in $(fmt_ms "$start_ms") (including buildah run), liveness 200"
PHASE="done"
