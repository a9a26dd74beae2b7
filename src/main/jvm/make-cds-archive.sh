#!/bin/sh
# Writes the application class-data archive (AppCDS) of k8sensus, which shortens start-up: the JVM maps
# the classes a replica loads from the archive instead of reading, parsing and verifying them from the jars.
#
# A training run starts the jar with the image's JVM settings (jvm.options beside this script), lets
# Camel start, load the routes and try the Kubernetes API (nothing answers: the classes of the start-up
# are the point), and stops it after a few seconds; on exit the JVM writes the classes it loaded.
# The archive only fits the JVM that wrote it and the jars it read (same paths, sizes and dates): the
# Dockerfile runs this in the runtime image, `make` in target/. A JVM given an archive that does not
# fit warns and starts without it.
#
# Usage: make-cds-archive.sh JAR ARCHIVE [-Dkey=value...]
set -eu
jar=$1
archive=$2
shift 2
options="$(dirname "$0")/jvm.options"
rm -f "$archive"
# -Xlog:cds=error: the JVM lists every class it cannot archive (generated accessors, unverified ones)
java -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=error "@$options" \
    -Dk8sensus.kubernetes.master-url=http://127.0.0.1:1 \
    -Dk8sensus.kubernetes.namespace=cds-training \
    -Dk8sensus.election.pod-name=cds-training \
    -Dcamel.main.duration-max-seconds=4 \
    "$@" -jar "$jar" >"$archive.log" 2>&1 || { cat "$archive.log"; exit 1; }
test -s "$archive" || { cat "$archive.log"; echo "make-cds-archive: no archive written" >&2; exit 1; }
rm -f "$archive.log"
