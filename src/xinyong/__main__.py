"""`python -m xinyong …` runs the same command line as `xinyong …`."""

from xinyong.cli import app

app(prog_name="xinyong")
