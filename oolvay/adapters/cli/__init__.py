"""The command line (typer): ``oolvay ...``."""
