.PHONY: setup demo test lint
setup: ; scripts/dev.sh setup
demo: ; scripts/dev.sh demo
test: ; scripts/dev.sh test
lint: ; scripts/dev.sh lint
