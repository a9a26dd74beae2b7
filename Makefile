# k8sensus: common tasks. `make help` lists them.
MVN ?= mvn -B -ntp
KUBECTL ?= kubectl
IMAGE ?= k8sensus:0.1.0
IMAGE_TOOL ?= $(shell command -v docker || command -v podman || command -v buildah)

.PHONY: help build test format run chaos simulate bench bench-publish image image-check apply clean components
SOURCES := pom.xml $(shell find src -type f 2>/dev/null)
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: target/k8sensus.jar ## Build target/k8sensus.jar (and target/lib/) without running the tests

# The tools (src/tools/java: the local cluster, chaos, bench, simulation, wiring workload) run from their own classes
# and libraries, built with the jar; the test classes are not on their path
TOOLS_CLASSPATH := target/tools-classes:target/classes:$$(cat target/classpath-tools.txt)
TOOLS := java -cp $(TOOLS_CLASSPATH)
# the simulations check the elector's own assertions too (every change of role against its table of transitions)
SIMULATE := java -ea -cp $(TOOLS_CLASSPATH)

target/k8sensus.jar target/classpath-tools.txt &: $(SOURCES)
	$(MVN) -q package -DskipTests
	@touch target/k8sensus.jar target/classpath-tools.txt

# The class-data archive the replicas of run and chaos start with, made as the Dockerfile makes the image's: a training
# run of one replica on an embedded API, with the management server on (on a free port). bench trains one per contender
target/k8sensus.jsa: target/k8sensus.jar target/classpath-tools.txt src/main/jvm/jvm.options src/main/jvm/make-cds-archive.sh $(wildcard target/components/k8sensus-components.jar)
	TRAINING_CLASSPATH=target/tools-classes:$$(cat target/classpath-tools.txt) sh src/main/jvm/make-cds-archive.sh $(CURDIR)/target/k8sensus.jar $@

run: target/k8sensus.jsa ## Run 3 replicas on an embedded Kubernetes API with a live view (ARGS="--help" for options)
	@$(TOOLS) io.k8sensus.launcher.LocalCluster $(ARGS)

ROUTES ?= k8s/routes
.PHONY: validate
validate: target/k8sensus.jar ## Check route files without a cluster, against k8s/ (ROUTES=DIR; default k8s/routes): fails on a problem, one line each
	@java -jar target/k8sensus.jar validate --manifests k8s $(ROUTES)

.PHONY: components
components: target/k8sensus.jar ## Resolve the Camel components the routes of ROUTES (default k8s/routes) use beyond the jar's into target/components/, where java -jar target/k8sensus.jar (make run, validate) finds them
	@rm -rf target/components target/k8sensus.jsa
	@java -jar target/k8sensus.jar components --pom target/components/pom.xml $(ROUTES)
	@test ! -f target/components/pom.xml || MVN="$(MVN)" sh src/main/components/resolve-components.sh target/components

.PHONY: manifests
manifests: target/k8sensus.jar ## Derive from k8s/routes/ the ConfigMap's files, K8SENSUS_ELECTION_GROUPS and the Role's Lease names
	@java -jar target/k8sensus.jar manifests k8s

format: ## Format the Java sources in the project's one style (palantir-java-format; mvn verify checks it)
	$(MVN) -q spotless:apply

test: ## Run the test suite (what CI runs)
	$(MVN) verify

chaos: target/k8sensus.jsa ## Fault-injection suite with real processes; writes its table in docs/RELIABILITY.md (about 8 min)
	@$(TOOLS) io.k8sensus.chaos.FaultInjectionSuite --write docs/RELIABILITY.md $(ARGS)

.PHONY: wiring
wiring: target/k8sensus.jsa ## The recipes' full workload (SQL, JMS, file; 1,000 items and 9 failovers each); writes its table in docs/WIRING.md (ARGS="--items N --rounds N --recipes sql,jms,file")
	@$(TOOLS) io.k8sensus.wiring.WiringWorkload --write docs/WIRING.md $(ARGS)

simulate: target/k8sensus.jar ## Deterministic simulation of fault schedules against the elector (ARGS="--schedules 10000000", "--seed N" replays one)
	@$(SIMULATE) io.k8sensus.sim.Simulator $(ARGS)

.PHONY: simulate-balance
simulate-balance: target/k8sensus.jar ## Deterministic simulation of balancing under faults (ARGS="--schedules 100000", "--seed N" replays one)
	@$(SIMULATE) io.k8sensus.sim.BalanceSimulation $(ARGS)

.PHONY: mutation
mutation: ## Mutation testing of the elector with PIT, one thread (about 2 min on 2 cores): target/pit-reports/, the mutants no test detected, the score
	$(MVN) -Pmutation test-compile org.pitest:pitest-maven:mutationCoverage
	@java -cp target/tools-classes io.k8sensus.tools.MutationReport target/pit-reports/mutations.xml

bench: target/k8sensus.jar ## Failover/handover/cost/memory benchmark vs stock Camel and fabric8 LeaderElector (client-go's algorithm) into target/bench/ (ARGS="--trials 10 --timings short,default --scaling 3x1,10x1 --contenders k8sensus,...")
	@$(TOOLS) -Djava.awt.headless=true io.k8sensus.chaos.Benchmark $(ARGS)

BENCH_PUBLISHED := --trials 10 --timings short,default --scaling 3x1,10x1,30x1,3x10 --out docs/bench --write docs/BENCHMARKS.md --summary README.md
bench-publish: target/k8sensus.jar ## The published benchmark run (about 90 min): docs/bench/, docs/BENCHMARKS.md's tables and the README's summary, from this one run
	@$(TOOLS) -Djava.awt.headless=true io.k8sensus.chaos.Benchmark $(BENCH_PUBLISHED)

image: target/k8sensus.jar ## Build the container image $(IMAGE) with docker, podman or buildah, with the Camel components the routes of ROUTES use beyond the jar's
	@test -n "$(IMAGE_TOOL)" || { echo "make image: needs docker, podman or buildah" >&2; exit 1; }
	@components=$$(java -jar target/k8sensus.jar components --list $(ROUTES)) && echo "make image: COMPONENTS=$$components" \
	  && $(IMAGE_TOOL) build --build-arg COMPONENTS="$$components" -t $(IMAGE) .

image-check: ## Build the Dockerfile with buildah from local Debian-made base images and start the image once
	bash scripts/image-check.sh

apply: manifests ## Deploy to the current kubectl context (namespace k8sensus): make manifests, then kubectl apply -k k8s/
	$(KUBECTL) apply -k k8s/

clean: ## Delete everything `make apply` created
	$(KUBECTL) delete -k k8s/ --ignore-not-found
