.PHONY: setup demo test lint
setup: ; scripts/dev.sh setup
demo: ; scripts/dev.sh demo || [ $$? -eq 3 ]  # 3 = findings, as planted in the demo data
test: ; scripts/dev.sh test
lint: ; scripts/dev.sh lint
