# syntax=docker/dockerfile:1
# k8sensus container image: a Camel Main application run as `java -jar /app/k8sensus.jar`
# with its runtime dependencies in /app/lib/ (the jar's manifest Class-Path points there).
# --build-arg COMPONENTS="org.apache.camel:camel-quartz ..." (make image derives it from the
# route files: `k8sensus components --list`) adds Camel components the jar does not have, with
# their dependencies, in /app/components/ (the manifest names components/k8sensus-components.jar,
# whose own manifest lists them); without it the image has none, and no /app/components/.
#
# Both base images can be replaced with --build-arg BUILD_IMAGE=... / RUNTIME_IMAGE=...;
# the build image needs Java 17 and Maven (mvn on PATH), the runtime image a Java 17 JRE
# (java on PATH). scripts/image-check.sh builds and starts this image without Docker.

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

# ---------------------------------------------------------------------------------------
# Build stage: target/k8sensus.jar + target/lib/
# ---------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /build

# The dependencies change less often than the sources: resolve them in a layer of their own,
# keyed on pom.xml alone, so that a source change does not download them again.
COPY pom.xml ./
RUN mvn -B -ntp -q dependency:go-offline

COPY src ./src
RUN mvn -B -ntp -q package -DskipTests
# The class-data archive's training run (below) needs the tools (target/tools-classes) and their libraries (an
# embedded Kubernetes API); they are mounted into that one step and never enter the image.
RUN mvn -B -ntp -q dependency:copy-dependencies -DincludeScope=test -DoutputDirectory=target/training-lib

# The Camel components the routes use beyond the jar's (versions from Camel's BOM, less what lib/ has), resolved
# from Maven Central into target/components/; nothing when COMPONENTS is empty.
ARG COMPONENTS=""
RUN mkdir -p target/components && if [ -n "$COMPONENTS" ]; then \
        java -jar target/k8sensus.jar components --pom target/components/pom.xml --artifacts "$COMPONENTS" \
        && sh src/main/components/resolve-components.sh target/components; fi

# ---------------------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

ARG VERSION=0.1.0
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="k8sensus" \
      org.opencontainers.image.description="Leader-only Camel routes on Kubernetes, elected through a coordination.k8s.io/v1 Lease" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"

# Dependencies first: they change less often than the application jar.
COPY --from=build /build/target/lib/ /app/lib/
COPY --from=build /build/target/k8sensus.jar /app/k8sensus.jar
COPY --from=build /build/src/main/jvm/jvm.options /build/src/main/jvm/make-cds-archive.sh /app/

# The class-data archive (AppCDS), written by this image's JVM from these jars so that it fits them, after a
# training run of one replica against an embedded Kubernetes API (the build stage's tools and their libraries,
# mounted for this step only): a replica starts faster with it and needs less metaspace (docs/BENCHMARKS.md).
# Read-only for the application's user.
# The components first (when there are any), so that the archive is made with the class path the image runs with.
RUN --mount=type=bind,from=build,source=/build/target,target=/training \
    if ls /training/components/*.jar >/dev/null 2>&1; then \
        mkdir /app/components && cp /training/components/*.jar /app/components/; fi && \
    TRAINING_CLASSPATH="/training/tools-classes:/training/training-lib/*" \
    sh /app/make-cds-archive.sh /app/k8sensus.jar /app/k8sensus.jsa && rm /app/make-cds-archive.sh

# Numeric, so that Kubernetes can check runAsNonRoot without a passwd entry in the image.
USER 10001:10001
WORKDIR /app

# Management port: liveness at /observe/health/live, readiness at /observe/health/ready
EXPOSE 9876

# Exec form: java is PID 1 and receives SIGTERM directly, so Camel shuts down gracefully.
# The JVM settings are in src/main/jvm/jvm.options (one comment each); the benchmark uses the same file
# and an archive made the same way (make target/k8sensus.jsa).
# java.io.tmpdir=/tmp: the root filesystem is read-only; /tmp is a writable emptyDir.
# JAVA_TOOL_OPTIONS, if set on the container, is read by the JVM in addition to these flags.
ENTRYPOINT ["java", "@/app/jvm.options", "-XX:SharedArchiveFile=/app/k8sensus.jsa", "-Djava.io.tmpdir=/tmp", "-jar", "/app/k8sensus.jar"]
