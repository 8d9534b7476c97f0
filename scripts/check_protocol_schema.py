#!/usr/bin/python3
"""Check protocol files against protocols/protocol.schema.json (JSON Schema draft 2020-12).

Every *.json in each --valid folder must validate; every *.json in each --invalid folder must
not (these show that the schema documents the same rules the loader enforces). Run it with
/usr/bin/python3, which has Debian's python3-jsonschema.

  /usr/bin/python3 scripts/check_protocol_schema.py --schema protocols/protocol.schema.json \
      --valid protocols [--invalid tests/data/protocols/schema-invalid]
"""
import argparse
import json
import pathlib
import sys

import jsonschema


def json_files(folder):
    return sorted(p for p in pathlib.Path(folder).glob("*.json") if not p.name.endswith(".schema.json"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", required=True)
    parser.add_argument("--valid", action="append", default=[], help="folder whose *.json must validate")
    parser.add_argument("--invalid", action="append", default=[], help="folder whose *.json must not validate")
    args = parser.parse_args()

    schema = json.loads(pathlib.Path(args.schema).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    failures = 0
    checked = 0
    for folder in args.valid:
        for path in json_files(folder):
            checked += 1
            errors = sorted(validator.iter_errors(json.loads(path.read_text())), key=lambda e: list(e.absolute_path))
            for error in errors:
                pointer = "/" + "/".join(str(p) for p in error.absolute_path)
                print(f"{path}:{pointer}: {error.message}")
            failures += bool(errors)
            print(f"{'FAIL' if errors else 'ok'}: {path}")
    for folder in args.invalid:
        for path in json_files(folder):
            checked += 1
            accepted = validator.is_valid(json.loads(path.read_text()))
            failures += accepted
            print(f"{'FAIL (schema accepts it)' if accepted else 'ok (rejected)'}: {path}")
    if checked == 0:
        print("no protocol files found", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
