#!/bin/sh
# Resolves the Camel components route files use beyond the image: DIR/pom.xml, written by
# `java -jar k8sensus.jar components --pom DIR/pom.xml ROUTES...`, into DIR: each component's jar and the
# dependencies the image does not have (versions from Camel's BOM), and DIR/k8sensus-components.jar, whose manifest
# lists them. k8sensus.jar's manifest names components/k8sensus-components.jar: with DIR the components/ beside it,
# `java -jar k8sensus.jar` has them on its class path. An artifact Maven cannot resolve gets one line naming it.
#
# Usage: resolve-components.sh DIR     (MVN: the Maven command, default "mvn -B -ntp")
set -eu
dir=$1
test -f "$dir/pom.xml" || { echo "resolve-components: no $dir/pom.xml (k8sensus components --pom writes it)" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ${MVN:-mvn -B -ntp} -q -f "$dir/pom.xml" package >"$log" 2>&1; then
    rm -rf "$dir/build"
    exit 0
fi
# Maven names what it cannot resolve as group:artifact:jar[:version] in its error; one line each, else its first error
missing=$(grep -oE '[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:jar(:[A-Za-z0-9_.-]+)?' "$log" \
          | grep -v '^io\.k8sensus:k8sensus-components:' | sort -u || true)
if [ -n "$missing" ]; then
    for artifact in $missing; do
        echo "resolve-components: cannot resolve $artifact ($dir/pom.xml)" >&2
    done
else
    echo "resolve-components: $(grep -m 1 '^\[ERROR\]' "$log" | sed 's/^\[ERROR\] //; s/ -> \[Help 1\]$//')" >&2
fi
exit 1
