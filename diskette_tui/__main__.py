"""Run the command line with ``python -m diskette_tui``."""

from diskette_tui.cli import main

if __name__ == "__main__":
    main()
