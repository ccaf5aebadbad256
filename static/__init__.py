"""kaigi's static files, served at /static/ (this file and bytecode excepted).

A package only so that the wheel carries them and importlib.resources finds them: it is
installed as `kaigi_static` (pyproject.toml), and read through events/resources.py.
"""
