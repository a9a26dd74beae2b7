# k8sensus: common tasks. `make help` lists them.
MVN ?= mvn -B -ntp

.PHONY: help build test
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## Build target/k8sensus.jar (and target/lib/) without running the tests
	$(MVN) -q package -DskipTests

test: ## Run the test suite (what CI runs)
	$(MVN) verify
