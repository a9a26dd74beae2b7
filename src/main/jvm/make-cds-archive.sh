#!/bin/sh
# Writes the application class-data archive (AppCDS) of k8sensus, which shortens start-up: the JVM maps
# the classes a replica loads from the archive instead of reading, parsing and verifying them from the jars.
#
# A training run starts the jar with the image's JVM settings (jvm.options beside this script) and stops it after a
# few seconds; on exit the JVM writes the classes it loaded. With TRAINING_CLASSPATH (the test classes and their
# dependencies: the Makefile and the Dockerfile's build stage provide it) the run is a real one: a replica against an
# embedded Kubernetes API (io.k8sensus.tools.ClassDataTraining) that leads, renews, answers its probes and a metrics
# scrape, and releases. Without it, the jar meets an unreachable API, and the archive lacks the classes of the
# election's requests and watches, which every start then reads from the jars.
# The archive only fits the JVM that wrote it and the jars it read (same paths, sizes and dates): the
# Dockerfile runs this in the runtime image, `make` in target/. A JVM given an archive that does not
# fit warns and starts without it.
#
# Usage: [TRAINING_CLASSPATH=...] make-cds-archive.sh JAR ARCHIVE [-Dkey=value...]
set -eu
jar=$1
archive=$2
shift 2
options="$(dirname "$0")/jvm.options"
rm -f "$archive"
if [ -n "${TRAINING_CLASSPATH:-}" ]; then
    java -cp "$TRAINING_CLASSPATH" io.k8sensus.tools.ClassDataTraining "$jar" "$archive" "$options" -XX:MaxRAM=256m "$@"
else
    # -Xlog:cds=error: the JVM lists every class it cannot archive (generated accessors, unverified ones)
    java -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=error "@$options" \
        -Dk8sensus.kubernetes.master-url=http://127.0.0.1:1 \
        -Dk8sensus.kubernetes.namespace=cds-training \
        -Dk8sensus.election.pod-name=cds-training \
        -Dcamel.main.duration-max-seconds=4 \
        "$@" -jar "$jar" >"$archive.log" 2>&1 || { cat "$archive.log"; exit 1; }
    rm -f "$archive.log"
fi
test -s "$archive" || { echo "make-cds-archive: no archive written" >&2; exit 1; }
