# diskette-tui tasks (https://just.systems)

# Dump the bundled demo project (created on first use)
demo:
    diskette dump --demo --yes

# Run the test suite
test *args:
    pytest {{args}}

# Run the tests with a throw-away PostgreSQL server (started, then stopped)
test-pg *args:
    .ci/postgres.sh run pytest {{args}}

# Lint and check formatting
lint:
    ruff check diskette_tui tests benchmarks screenshots
    ruff format --check diskette_tui tests benchmarks screenshots

# Format the code (what `just lint` checks)
fmt:
    ruff format diskette_tui tests benchmarks screenshots

# Regenerate the SVG screenshots of the TUI
screenshots:
    python screenshots/make_screenshots.py
    python screenshots/make_archive_screenshots.py

# diskette dump against diskette 0.6.0 and dumpdata + tar czf (writes benchmarks/RESULTS.md)
bench *args:
    python benchmarks/run.py {{args}}

# The archive writer against GNU tar on one generated tree (in-process; the former `just bench`)
bench-archive *args:
    python benchmarks/archive_writer.py {{args}}

# gzip backends (zlib, ISA-L, zlib-ng) at several levels on the benchmark media
bench-gzip *args:
    python benchmarks/compression.py {{args}}

# Time --json output against the text forms at 100,000 files
bench-json *args:
    python benchmarks/json_output.py {{args}}

# Time each key of the preview's / filter on 100 folders × 1,000 files (Textual pilot)
bench-tui *args:
    python benchmarks/tui_filter.py {{args}}
