"""libical's iTIP rule check (RFC 5546 restriction tables) for an iCalendar object on stdin.

Runs under Debian's own Python with python3-gi and gir1.2-ical-3.0, not in the test
environment: `python3 tests/tools/itip_check.py < invite.ics`. Prints JSON:
{"valid": bool, "method": str, "errors": [...]} where errors are libical's X-LIC-ERROR
properties (parse problems and broken iTIP rules). With `--many`, stdin is a JSON list of
iCalendar texts and the answer a list of those objects, in order (one interpreter start
for a whole table of invitations).
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402


def errors_of(component):
    found = []
    prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        kind = ICalGLib.Component.kind_to_string(component.isa())
        found.append(f"{kind}: {prop.get_xlicerror()}")
        prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        found.extend(errors_of(child))
        child = component.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    return found


def check(text):
    try:
        component = ICalGLib.Component.new_from_string(text)
    except TypeError:  # the bindings raise instead of returning None on some versions
        component = None
    if component is None:
        return {"valid": False, "method": None, "errors": ["does not parse"]}
    passed = bool(ICalGLib.restriction_check(component))
    method = component.get_method()
    errors = errors_of(component)
    return {"valid": passed and not errors,
            "method": ICalGLib.Property.method_to_string(method), "errors": errors}


def main():
    data = sys.stdin.buffer.read().decode("utf-8")
    if sys.argv[1:] == ["--many"]:
        print(json.dumps([check(text) for text in json.loads(data)], ensure_ascii=False))
    else:
        print(json.dumps(check(data), ensure_ascii=False))


if __name__ == "__main__":
    main()
