"""``make bench``: the benchmark harness (bench/run.py); its last results in bench/RESULTS.md."""
