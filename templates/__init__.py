"""kaigi's Jinja2 templates: pages here, messages under email/.

A package only so that the wheel carries them and importlib.resources finds them: it is
installed as `kaigi_templates` (pyproject.toml), and read through events/resources.py.
"""
