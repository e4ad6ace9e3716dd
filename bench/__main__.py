"""``python -m bench``: the sovopt benchmark (see bench/README.md)."""

from bench.run import main

raise SystemExit(main())
