# Shortcuts for the npm scripts; package.json is the source of truth.
.PHONY: install start test typecheck proto proto-lint proto-breaking proto-baseline migrate check-db-isolation ci

install: ; npm ci
start: ; npm start
test: ; npm test
typecheck: ; npm run typecheck
proto: ; npm run proto
proto-lint: ; npm run proto:lint
proto-breaking: ; npm run proto:breaking
proto-baseline: ; npm run proto:baseline
migrate: ; npm run migrate
check-db-isolation: ; npm run check:db-isolation
ci: ; bash .ci/run
