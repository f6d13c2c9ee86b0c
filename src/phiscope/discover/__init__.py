"""Outside-in discovery of an organisation's buckets (`phiscope discover`), as researchers find them.

candidates.py (names → permutations under provider naming rules), providers.py (endpoint shapes),
probe.py (anonymous async checks: rate limits, retries, budget, honest states), classify.py (bounded
ranged reads through the detectors), pack.py (disclosure packs), run.py (orchestration), cli.py,
loopback.py (an AWS-like anonymous front over moto for tests and the benchmark).
"""
